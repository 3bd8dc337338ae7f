/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The virtio console device (type 3): feature bits, config space and the
 * control queue's messages (virtio 1.x section 5.3).
 *
 * Queues: port 0 receive and transmit are queues 0 and 1. With MULTIPORT
 * the control queue follows (2: device to driver, 3: driver to device),
 * then port N's pair at 2N + 2 and 2N + 3.
 */
#ifndef _UAPI_VIRTBUS_CONSOLE_H
#define _UAPI_VIRTBUS_CONSOLE_H

#include <linux/types.h>

#define VIRTBUS_CONSOLE_F_SIZE		0	/* cols and rows are valid */
#define VIRTBUS_CONSOLE_F_MULTIPORT	1	/* max_nr_ports, control queue */
#define VIRTBUS_CONSOLE_F_EMERG_WRITE	2	/* emerg_wr writes a character */

struct virtbus_console_config {
	__le16 cols;
	__le16 rows;
	__le32 max_nr_ports;
	__le32 emerg_wr;
} __attribute__((packed));

/* A control message; PORT_NAME and RESIZE carry more after it. */
struct virtbus_console_control {
	__le32 id;			/* the port */
	__le16 event;
	__le16 value;
};

/* After a RESIZE message. */
struct virtbus_console_resize {
	__le16 cols;
	__le16 rows;
};

#define VIRTBUS_CONSOLE_DEVICE_READY	0	/* driver: value 1 ok, 0 failed */
#define VIRTBUS_CONSOLE_DEVICE_ADD	1	/* device: a port exists */
#define VIRTBUS_CONSOLE_DEVICE_REMOVE	2	/* device: a port is gone */
#define VIRTBUS_CONSOLE_PORT_READY	3	/* driver: value 1 ok, 0 failed */
#define VIRTBUS_CONSOLE_CONSOLE_PORT	4	/* device: the port is a console */
#define VIRTBUS_CONSOLE_RESIZE		5	/* device: new size follows */
#define VIRTBUS_CONSOLE_PORT_OPEN	6	/* both: value 1 open, 0 closed */
#define VIRTBUS_CONSOLE_PORT_NAME	7	/* device: the name follows */

#endif /* _UAPI_VIRTBUS_CONSOLE_H */
