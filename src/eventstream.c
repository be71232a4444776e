// SPDX-License-Identifier: MIT
/*
 * eventstream.c: the AWS event stream encoding (application/vnd.amazon.eventstream: Bedrock's
 * ConverseStream and InvokeModelWithResponseStream, Transcribe, S3 Select) split into messages
 * as its bytes arrive, whatever the split, each checked by its two CRC32s.
 */
#include <errno.h>
#include <string.h>

#include <zlib.h>

#include "eventstream.h"
#include "tt_limits.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t crc_of(const unsigned char *p, size_t n)
{
	return (uint32_t)crc32(0L, p, (uInt)n);
}

bool eventstream_is_prelude(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t total, hlen;

	if (len < EVENTSTREAM_PRELUDE)
		return false;
	total = be32(p);
	hlen = be32(p + 4);
	if (total < EVENTSTREAM_MIN_MSG || hlen > total - EVENTSTREAM_MIN_MSG)
		return false;
	return crc_of(p, 8) == be32(p + 8);
}

/* Bytes of a fixed-size value of type t, or -1 for the length-prefixed ones. */
static int fixed_len(enum eventstream_type t)
{
	static const signed char len[] = { 0, 0, 1, 2, 4, 8, -1, -1, 8, 16 };

	return len[t];
}

static int64_t be_signed(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	/* sign-extend the n-byte two's complement value */
	if (n && n < 8 && (p[0] & 0x80))
		v |= ~0ULL << (8 * n);
	return (int64_t)v;
}

int eventstream_header_next(const unsigned char **p, size_t *n, struct eventstream_header *h)
{
	const unsigned char *s = *p;
	size_t left = *n, vlen;
	int fl;

	if (!left)
		return 0;
	memset(h, 0, sizeof(*h));
	h->name_len = s[0];
	if (!h->name_len || left < 2 + h->name_len)
		return -EBADMSG;
	h->name = (const char *)s + 1;
	s += 1 + h->name_len;
	left -= 1 + h->name_len;
	if (*s > EVENTSTREAM_UUID)
		return -EBADMSG;
	h->type = *s++;
	left--;
	fl = fixed_len(h->type);
	if (fl < 0) {
		if (left < 2)
			return -EBADMSG;
		vlen = (size_t)s[0] << 8 | s[1];
		s += 2;
		left -= 2;
	} else {
		vlen = (size_t)fl;
	}
	if (vlen > left)
		return -EBADMSG;
	if (h->type == EVENTSTREAM_TRUE || h->type == EVENTSTREAM_FALSE) {
		h->num = h->type == EVENTSTREAM_TRUE;
	} else if (fl > 0 && h->type != EVENTSTREAM_UUID) {
		h->num = be_signed(s, fl);
	} else {
		h->value = s;
		h->value_len = vlen;
	}
	*p = s + vlen;
	*n = left - vlen;
	return 1;
}

static bool name_is(const struct eventstream_header *h, const char *name)
{
	return h->name_len == strlen(name) && !memcmp(h->name, name, h->name_len);
}

/* Reads the headers that say what the message is; -EBADMSG when one is malformed. */
static int msg_headers(struct eventstream_msg *m)
{
	const unsigned char *p = m->headers;
	size_t n = m->headers_len;
	struct eventstream_header h;
	int r;

	while ((r = eventstream_header_next(&p, &n, &h)) > 0) {
		if (h.type != EVENTSTREAM_STRING)
			continue;
		if (name_is(&h, ":message-type")) {
			m->message_type = (const char *)h.value;
			m->message_type_len = h.value_len;
		} else if (name_is(&h, ":event-type") || name_is(&h, ":exception-type") ||
			   name_is(&h, ":error-code")) {
			m->event_type = (const char *)h.value;
			m->event_type_len = h.value_len;
		} else if (name_is(&h, ":error-message")) {
			m->error_message = (const char *)h.value;
			m->error_message_len = h.value_len;
		}
	}
	return r;
}

/* A whole message (its prelude checked) at b; delivered when its CRC and headers are good. */
static int deliver(struct eventstream_parser *p, const unsigned char *b, size_t total,
		   eventstream_msg_fn fn, void *ctx)
{
	struct eventstream_msg m;
	size_t hlen = be32(b + 4);

	memset(&m, 0, sizeof(m));
	if (crc_of(b, total - 4) != be32(b + total - 4)) {
		p->n_bad++;
		return 0;
	}
	m.headers = b + EVENTSTREAM_PRELUDE;
	m.headers_len = hlen;
	m.payload = m.headers + hlen;
	m.payload_len = total - EVENTSTREAM_MIN_MSG - hlen;
	if (msg_headers(&m)) {
		p->n_bad++;
		return 0;
	}
	p->n_msgs++;
	return fn(&m, ctx);
}

void eventstream_parser__init(struct eventstream_parser *p, size_t max_msg)
{
	memset(p, 0, sizeof(*p));
	p->max_msg = max_msg ? max_msg : TT_MAX_SSE_EVENT;
	if (p->max_msg < EVENTSTREAM_MIN_MSG)
		p->max_msg = EVENTSTREAM_MIN_MSG;
	tt_buf_init(&p->msg, p->max_msg);
}

void eventstream_parser__free(struct eventstream_parser *p)
{
	if (p)
		tt_buf_free(&p->msg);
}

/* A valid prelude at pre: the message is gathered, or skipped when over max_msg. */
static void start_msg(struct eventstream_parser *p, const unsigned char *pre)
{
	size_t total = be32(pre);

	p->sync = false;
	if (total > p->max_msg) {
		p->n_oversize++;
		p->skip = total - EVENTSTREAM_PRELUDE;
		p->need = 0;
		tt_buf_reset(&p->msg);
		return;
	}
	p->need = total;
}

/*
 * Looking for a prelude after lost or corrupt bytes: one byte at a time through the 12-byte
 * window in p->msg, each a constant-time check. Returns the bytes of s used.
 */
static int resync(struct eventstream_parser *p, const unsigned char *s, size_t n, size_t *used)
{
	size_t i;

	for (i = 0; i < n && p->sync; i++) {
		if (tt_buf_add(&p->msg, s + i, 1))
			return -ENOMEM;
		if (p->msg.len < EVENTSTREAM_PRELUDE)
			continue;
		if (eventstream_is_prelude(p->msg.data, p->msg.len)) {
			start_msg(p, p->msg.data);
		} else {
			tt_buf_consume(&p->msg, 1);
			p->n_bad++;
		}
	}
	*used = i;
	return 0;
}

/* Bytes of s into the message being gathered (prelude first); delivers it when whole. */
static int gather(struct eventstream_parser *p, const unsigned char *s, size_t n, size_t *used,
		  eventstream_msg_fn fn, void *ctx)
{
	size_t want = (p->need ? p->need : EVENTSTREAM_PRELUDE) - p->msg.len;
	int err;

	*used = n < want ? n : want;
	if (tt_buf_add(&p->msg, s, *used))
		return -ENOMEM;
	if (p->msg.len < (p->need ? p->need : EVENTSTREAM_PRELUDE))
		return 0;
	if (!p->need) {
		if (!eventstream_is_prelude(p->msg.data, p->msg.len)) {
			/* not a message: look for one from the prelude's second byte */
			p->sync = true;
			tt_buf_consume(&p->msg, 1);
			p->n_bad++;
			return 0;
		}
		start_msg(p, p->msg.data);
		return 0;
	}
	err = deliver(p, p->msg.data, p->need, fn, ctx);
	tt_buf_reset(&p->msg);
	p->need = 0;
	return err;
}

int eventstream_parser__feed(struct eventstream_parser *p, const void *buf, size_t len,
			     eventstream_msg_fn fn, void *ctx)
{
	const unsigned char *s = buf;
	size_t used, total;
	int err = 0;

	while (len && !err) {
		if (p->skip) {
			used = len < p->skip ? len : p->skip;
			p->skip -= used;
		} else if (p->sync) {
			err = resync(p, s, len, &used);
		} else if (!p->msg.len && eventstream_is_prelude(s, len) &&
			   (total = be32(s)) <= len && total <= p->max_msg) {
			/* the whole message is in buf: no copy */
			used = total;
			err = deliver(p, s, total, fn, ctx);
		} else {
			err = gather(p, s, len, &used, fn, ctx);
		}
		s += used;
		len -= used;
	}
	return err;
}

void eventstream_parser__gap(struct eventstream_parser *p)
{
	tt_buf_reset(&p->msg);
	p->need = 0;
	p->skip = 0;
	p->sync = true;
}

bool eventstream_parser__partial(const struct eventstream_parser *p)
{
	return (p->msg.len && !p->sync) || p->skip;
}

int eventstream_split_body(const void *buf, size_t len, eventstream_msg_fn fn, void *ctx)
{
	struct eventstream_parser p;
	int err;

	eventstream_parser__init(&p, 0);
	err = eventstream_parser__feed(&p, buf, len, fn, ctx);
	eventstream_parser__free(&p);
	return err;
}
