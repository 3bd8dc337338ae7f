// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_console: checks of the control messages the device sends.
 *
 * Pure, so that KUnit can feed it hostile input: a message shorter than
 * its header, an event we do not know, a port id beyond max_nr_ports,
 * an open/ready value other than 0 or 1, a PORT_NAME with no name, one
 * too long or with a NUL inside, a RESIZE without its size. What passes
 * has every field the handler uses in range.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include "virtbus_console.h"

/**
 * vbcon_parse_ctrl - check a control message from the device
 * @buf: the message as the device wrote it
 * @len: bytes the device says it wrote
 * @max_ports: ports the device may have
 * @msg: filled in when the message is good
 * @why: set to what is wrong when it is not
 *
 * Return: 0, or -EINVAL with @why set.
 */
int vbcon_parse_ctrl(const void *buf, unsigned int len, u32 max_ports,
		     struct vbcon_ctrl_msg *msg, const char **why)
{
	const struct virtbus_console_control *c = buf;
	const struct virtbus_console_resize *rs;
	unsigned int extra;

	memset(msg, 0, sizeof(*msg));
	if (len < sizeof(*c)) {
		*why = "shorter than its header";
		return -EINVAL;
	}
	extra = len - sizeof(*c);
	msg->id = le32_to_cpu(c->id);
	msg->event = le16_to_cpu(c->event);
	msg->value = le16_to_cpu(c->value);

	if (msg->id >= max_ports) {
		*why = "port id out of range";
		return -EINVAL;
	}
	switch (msg->event) {
	case VIRTBUS_CONSOLE_DEVICE_ADD:
	case VIRTBUS_CONSOLE_DEVICE_REMOVE:
	case VIRTBUS_CONSOLE_CONSOLE_PORT:
		break;
	case VIRTBUS_CONSOLE_PORT_OPEN:
		if (msg->value > 1) {
			*why = "open value neither 0 nor 1";
			return -EINVAL;
		}
		break;
	case VIRTBUS_CONSOLE_RESIZE:
		if (extra < sizeof(*rs)) {
			*why = "resize without its size";
			return -EINVAL;
		}
		rs = (const void *)(c + 1);
		msg->cols = le16_to_cpu(rs->cols);
		msg->rows = le16_to_cpu(rs->rows);
		break;
	case VIRTBUS_CONSOLE_PORT_NAME:
		msg->name = (const char *)(c + 1);
		/* A trailing NUL is allowed, not counted. */
		msg->name_len = strnlen(msg->name, extra);
		if (msg->name_len + 1 < extra) {
			*why = "NUL inside the name";
			return -EINVAL;
		}
		if (!msg->name_len) {
			*why = "empty name";
			return -EINVAL;
		}
		if (msg->name_len > VBCON_NAME_MAX) {
			*why = "name too long";
			return -EINVAL;
		}
		if (strnchr(msg->name, msg->name_len, '/')) {
			*why = "'/' in the name";
			return -EINVAL;
		}
		break;
	default:
		/* DEVICE_READY and PORT_READY only go to the device. */
		*why = "unknown event";
		return -EINVAL;
	}
	return 0;
}
