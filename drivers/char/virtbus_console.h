/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtbus_console: the state shared by the files of the driver.
 *
 * virtbus_console_main.c  probe, remove, the queues, ports coming and going
 * virtbus_console_ctrl.c  the control queue: receiving and sending messages
 * virtbus_console_msg.c   control message checks (pure, for KUnit)
 * virtbus_console_tty.c   console ports: the ttyVB tty driver, console=
 * virtbus_console_port.c  generic ports: /dev/vbport<N>p<M>
 *
 * Lifetimes: a port is reference counted; its files and ttys hold
 * references, so it outlives its device. Once a port is "gone" (set under
 * both the device's ports_lock and the port's lock) nothing touches its
 * device or queues through it again: readers see EOF, writers -ENODEV.
 * The device's queues are then used under ports_lock only.
 */
#ifndef _VIRTBUS_CONSOLE_H
#define _VIRTBUS_CONSOLE_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/tty_port.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <virtbus/virtbus.h>
#include <virtbus/virtqueue.h>
#include <uapi/virtbus/virtbus_console.h>

/* Ports per device we accept, whatever max_nr_ports says. */
#define VBCON_MAX_PORTS		128
/* Longest port name we keep (without the NUL). */
#define VBCON_NAME_MAX		255
/* Control buffers: a message, and a name after it. */
#define VBCON_CTRL_BUF		(sizeof(struct virtbus_console_control) + VBCON_NAME_MAX + 1)
#define VBCON_CTRL_BUFS		16
/* Receive buffers posted per port, and their size. */
#define VBCON_RX_BUFS		32
#define VBCON_RX_SIZE		(PAGE_SIZE - sizeof(struct vbcon_buf))
/* Largest buffer one write hands the device. */
#define VBCON_TX_MAX		(32 * 1024)

/* A buffer of ours on a queue; its token on the ring is itself. */
struct vbcon_buf {
	struct list_head list;
	unsigned int len;	/* bytes of data (received or to send) */
	unsigned int off;	/* bytes already read */
	u8 data[];
};

struct vbcon;

/**
 * struct vbcon_port - one port of a console device
 * @kref: the port's own references (device, files, ttys)
 * @con: the device; only while !@gone
 * @id: the port number on the device
 * @in_vq: the queue the device fills
 * @out_vq: the queue the device reads
 * @lock: @gone, @host_connected, @rx, both queues while published
 * @rx: received buffers not yet read
 * @read_lock: serialises readers of a generic port
 * @waitq: readers and writers wait here
 * @gone: the port or its device went away
 * @host_connected: the host side is open (PORT_OPEN from the device)
 * @opened: a generic port's one opener is in
 * @is_console: a ttyVB port rather than a generic one
 * @name: from PORT_NAME, set once, or NULL
 * @index: tty index (console) or minor (generic), -1 without
 * @dev: the generic port's device node
 * @tport: the tty port of a console port
 * @async: fasync listeners
 */
struct vbcon_port {
	struct kref kref;
	struct vbcon *con;
	u32 id;
	struct virtbus_vq *in_vq, *out_vq;
	spinlock_t lock;		/* see above */
	struct list_head rx;
	struct mutex read_lock;		/* readers of a generic port */
	wait_queue_head_t waitq;
	bool gone;
	bool host_connected;
	unsigned long opened;
	bool is_console;
	const char *name;
	int index;
	struct device *dev;
	struct tty_port tport;
	struct fasync_struct *async;
};

/**
 * struct vbcon - a console device
 * @vdev: the virtbus device
 * @multiport: MULTIPORT negotiated: control queue, max_ports ports
 * @max_ports: ports the device may have
 * @vqs: all queues, in the device's order
 * @ports_lock: @ports, and the queues of ports no longer published
 * @ports: the ports by id, NULL where none
 * @c_ivq: control messages from the device
 * @c_ovq: control messages to the device
 * @c_lock: both control queues, @removing
 * @removing: remove has begun: no more control work
 * @ctrl_work: handles received control messages
 */
struct vbcon {
	struct virtbus_device *vdev;
	bool multiport;
	u32 max_ports;
	struct virtbus_vq **vqs;
	spinlock_t ports_lock;		/* see above */
	struct vbcon_port **ports;
	struct virtbus_vq *c_ivq, *c_ovq;
	spinlock_t c_lock;		/* see above */
	bool removing;
	struct work_struct ctrl_work;
};

/* A control message, checked (virtbus_console_msg.c). */
struct vbcon_ctrl_msg {
	u32 id;
	u16 event;
	u16 value;
	const char *name;	/* PORT_NAME: NUL-free, 1..VBCON_NAME_MAX bytes */
	unsigned int name_len;
	u16 cols, rows;		/* RESIZE */
};

int vbcon_parse_ctrl(const void *buf, unsigned int len, u32 max_ports,
		     struct vbcon_ctrl_msg *msg, const char **why);

/* virtbus_console_main.c */
struct vbcon_port *vbcon_port_add(struct vbcon *con, u32 id);
void vbcon_port_remove(struct vbcon *con, struct vbcon_port *port);
struct vbcon_port *vbcon_port_lookup(struct vbcon *con, u32 id);
void vbcon_port_put(struct vbcon_port *port);
int vbcon_port_send(struct vbcon_port *port, struct vbcon_buf *buf);
void vbcon_port_requeue(struct vbcon_port *port, struct vbcon_buf *buf);
void vbcon_port_set_host(struct vbcon_port *port, bool connected);

/* virtbus_console_ctrl.c */
void vbcon_ctrl_work(struct work_struct *work);
void vbcon_ctrl_in_done(struct virtbus_vq *vq);
void vbcon_ctrl_out_done(struct virtbus_vq *vq);
int vbcon_ctrl_fill(struct vbcon *con);
void vbcon_ctrl_send(struct vbcon *con, u32 id, u16 event, u16 value);

/* virtbus_console_tty.c */
int vbcon_tty_init(void);
void vbcon_tty_exit(void);
int vbcon_tty_add(struct vbcon_port *port);
void vbcon_tty_remove(struct vbcon_port *port);
void vbcon_tty_rx(struct vbcon_port *port, struct vbcon_buf *buf);
void vbcon_tty_wakeup(struct vbcon_port *port);
void vbcon_tty_resize(struct vbcon_port *port, u16 cols, u16 rows);

/* virtbus_console_port.c */
int vbcon_cdev_init(void);
void vbcon_cdev_exit(void);
int vbcon_cdev_add(struct vbcon_port *port);
void vbcon_cdev_remove(struct vbcon_port *port);
void vbcon_cdev_named(struct vbcon_port *port);
void vbcon_cdev_wakeup(struct vbcon_port *port, bool hup);

#endif /* _VIRTBUS_CONSOLE_H */
