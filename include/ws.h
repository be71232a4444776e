/* SPDX-License-Identifier: MIT */
/* ws.h: incremental WebSocket (RFC 6455) frame parser with permessage-deflate (RFC 7692). */
#ifndef TT_WS_H
#define TT_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* permessage-deflate as negotiated for one direction (the response's extension header). */
struct ws_deflate {
	bool on;		  /* messages with RSV1 set are compressed */
	bool no_context_takeover; /* the sender resets its compressor after each message */
};

/*
 * A whole message (data: fragments joined and inflated) or a control frame. data is
 * NUL-terminated and valid during the callback only.
 */
struct ws_msg {
	int opcode; /* enum ws_opcode: TEXT, BINARY, CLOSE, PING or PONG */
	const unsigned char *data;
	size_t len;
	bool cut;	 /* longer than the cap: data holds its first max_msg bytes */
	bool compressed; /* sent with permessage-deflate */
};

/* A negative return stops ws_dec__feed with that error. */
typedef int (*ws_msg_fn)(const struct ws_msg *m, void *ctx);

struct ws_dec {
	size_t max_msg; /* bytes of one message kept (inflated) */
	struct ws_deflate dfl;
	/* the frame header being read */
	unsigned char hdr[14];
	unsigned int nhdr;
	unsigned int need; /* header bytes this frame's header has */
	/* the frame being read */
	int op;
	bool fin;
	bool masked;
	unsigned char mask[4];
	uint64_t remain; /* payload bytes left */
	uint64_t pos;	 /* payload bytes read (mask position) */
	bool in_frame;	 /* the header is read: payload follows */
	/* the data message being assembled across fragments */
	int msg_op; /* 0: none */
	bool msg_z; /* compressed (RSV1 on its first frame) */
	bool msg_cut;
	bool z_end; /* its deflate stream ended (a final block): the rest is ignored */
	struct tt_buf msg;
	/* a control frame (at most 125 bytes), which may come between fragments */
	unsigned char ctl[126];
	size_t nctl;
	bool z_init;
	void *z;	   /* z_stream, raw inflate */
	int err;	   /* the first error: the decoder is dead from then on */
	uint64_t n_msgs;   /* messages and control frames delivered */
	uint64_t n_cut;	   /* messages cut by the cap */
	uint64_t n_frames; /* frames read */
};

/* max_msg 0 = TT_MAX_SSE_EVENT. dfl NULL: no extension. */
void ws_dec__init(struct ws_dec *d, size_t max_msg, const struct ws_deflate *dfl);
void ws_dec__free(struct ws_dec *d);
/*
 * Parses p[0..n): calls fn for each message and control frame completed. Returns 0, or a
 * negative error: -EBADMSG (a malformed frame, RSV bits not negotiated, bad compressed data),
 * -ENOMEM, or fn's. After an error every call returns it again: the parse of that byte stream
 * is over.
 */
int ws_dec__feed(struct ws_dec *d, const void *p, size_t n, ws_msg_fn fn, void *ctx);

/*
 * Reads a Sec-WebSocket-Extensions value (the server's answer): whether permessage-deflate was
 * agreed, and each side's no_context_takeover. hdr may be NULL. Returns whether it was.
 */
bool ws_parse_extensions(const char *hdr, struct ws_deflate *client, struct ws_deflate *server);

#ifdef __cplusplus
}
#endif
#endif /* TT_WS_H */
