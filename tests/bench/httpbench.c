// SPDX-License-Identifier: MIT
/*
 * httpbench.c: the HTTP layer alone (conn_table__feed / __flush: streams, HTTP/1.x, chunked,
 * content codings, SSE) on a synthetic capture mix built here, as struct tt_data records in
 * the order a capture would deliver them (connections interleaved record by record):
 *
 *   sse    large chat-completion streams: chunked, one chunk per event (OpenAI-style `data:`
 *          events, every other stream Anthropic-style `event:` + `data:`), half of them read in
 *          16 KiB calls, half one event per read; gzip variant: Content-Encoding gzip with a
 *          sync flush per event (what streaming servers do), chunks = the flushed segments
 *   json   500 KiB chat requests (written in 64 KiB calls, captured as 16 KiB records) with
 *          JSON responses (gzip variant: gzip responses), keep-alive, on a few connections
 *   small  many small keep-alive exchanges on one connection (GET + small POST, responses by
 *          Content-Length or one chunk), never compressed (servers do not compress those)
 *
 * Usage:
 *   httpbench speed [REPS [CORPUS,...]]
 *                            CPU time (CLOCK_PROCESS_CPUTIME_ID) of feeding each corpus to a
 *                            fresh table and flushing it, REPS rounds round-robin after
 *                            WARMUP untimed ones, medians;
 *                            side by side: zlib alone inflating the same gzip bodies in the
 *                            same pieces; CORPUS,...: only those corpora (for profiling)
 *   httpbench mem SCALE      replays both mixes SCALE times through one table (positions
 *                            continue on the same connections: SCALE x the bytes and the
 *                            exchanges) and reports the peak RSS growth over the loaded corpus
 *
 * Every run counts the decoded exchanges, events, event bytes and body bytes against what was
 * generated, and exits 1 if anything differs or any exchange carries a flag (incomplete,
 * truncated, decode error): a broken path is never measured.
 *
 * Output lines (parsed by bench.py):
 *   corpus NAME captured_bytes records exchanges events
 *   speed NAME cpu_s_median mb_s         (MB = 1e6 bytes of captured plaintext)
 *   zlib NAME cpu_s_median compressed_bytes decoded_bytes seq_cpu_s_median
 *   mem SCALE captured_bytes exchanges base_mib peak_mib growth_mib
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "conn.h"
#include "http_exchange.h"
#include "pipeline.h"
#include "tt_abi.h"

#define PID_PLAIN  4001
#define PID_GZIP   4002
#define WARMUP	   6	 /* untimed rounds before the timed ones */
#define READ_CALL  16384 /* one SSL_read: at most one TLS record */
#define WRITE_CALL 65536 /* one SSL_write of a large request body */

#define SSE_STREAMS    16
#define SSE_EVENTS     4000 /* content events per stream (+ first, last, [DONE]) */
#define JSON_CONNS     4
#define JSON_PER_CONN  6
#define JSON_REQ_BYTES (500 * 1024)
#define SMALL_X	       8000

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "httpbench: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

/* ---- growable byte buffer ---- */

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

static void b_reserve(struct bytes *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 4096;
	while (b->cap < b->len + more)
		b->cap *= 2;
	b->p = xrealloc(b->p, b->cap);
}

static void b_add(struct bytes *b, const void *p, size_t n)
{
	b_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void b_str(struct bytes *b, const char *s)
{
	b_add(b, s, strlen(s));
}

static void b_printf(struct bytes *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	b_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- deterministic text ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *const words[] = {
	"the",	      "of",	  "and",       "to",	 "in",	   "is",     "that",   "for",
	"it",	      "as",	  "with",      "be",	 "on",	   "not",    "this",   "but",
	"by",	      "from",	  "or",	       "have",	 "an",	   "they",   "which",  "you",
	"were",	      "file",	  "function",  "return", "value",  "error",  "test",   "config",
	"request",    "response", "update",    "build",	 "module", "import", "class",  "self",
	"data",	      "path",	  "string",    "list",	 "result", "check",  "parse",  "buffer",
	"stream",     "handler",  "const",     "struct", "int",	   "size_t", "if",     "else",
	"while",      "null",	  "true",      "false",	 "async",  "await",  "let",    "var",
	"we",	      "should",	  "can",       "will",	 "need",   "first",  "then",   "now",
	"here",	      "change",	  "line",      "code",	 "tool",   "call",   "output", "input",
	"user",	      "agent",	  "model",     "token",	 "cache",  "memory", "limit",  "connection",
	"server",     "client",	  "header",    "body",	 "chunk",  "event",  "I'll",   "Let",
	"me",	      "look",	  "at",	       "fix",	 "add",	   "run",    "see",    "because",
	"so",	      "when",	  "0",	       "1",	 "2",	   "42",     "100",    "v2",
	"src/main.c", "tests/",	  "README.md", "(",	 ")",	   "{",	     "}",      "[",
	"]",	      ";",	  ":",	       ",",	 ".",	   "=",	     "->",     "==",
	"+",	      "-",	  "*",	       "/",	 "<",	   ">",	     "#",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

/* n words of JSON-safe text (\n escapes now and then). */
static void b_words(struct bytes *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i && !rnd(12))
			b_str(b, "\\n");
		else if (i)
			b_str(b, " ");
		b_str(b, words[rnd(NWORDS)]);
	}
}

static void b_id(struct bytes *b, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t i;

	for (i = 0; i < n; i++)
		b_add(b, &al[rnd(sizeof(al) - 1)], 1);
}

/* ---- records of one connection ---- */

struct script {
	uint32_t pid;
	uint64_t conn;
	struct bytes arena; /* records, 8-byte aligned */
	size_t *offs;
	size_t n, nalloc;
	uint64_t pos[2];
};

static uint64_t next_conn = 0x7f0000100000ull;

static struct script *script_new(uint32_t pid)
{
	struct script *s = calloc(1, sizeof(*s));

	if (!s)
		die("out of memory");
	s->pid = pid;
	s->conn = next_conn += 0x1000;
	return s;
}

static void rec_add(struct script *s, int dir, const void *p, size_t len, uint32_t call_len,
		    uint8_t flags)
{
	size_t size = sizeof(struct tt_data) + len, off = s->arena.len;
	struct tt_data *r;

	b_reserve(&s->arena, (size + 7) & ~(size_t)7);
	r = (struct tt_data *)(s->arena.p + off);
	memset(r, 0, sizeof(*r));
	r->h.type = TT_REC_DATA;
	r->h.abi = TT_ABI_VERSION;
	r->h.size = (uint32_t)size;
	r->h.pid = s->pid;
	r->h.tid = s->pid + 1 + (uint32_t)dir;
	memcpy(r->h.comm, "agent", 6);
	r->conn = s->conn;
	r->pos = s->pos[dir];
	r->call_len = call_len;
	r->len = (uint32_t)len;
	r->dir = (uint8_t)dir;
	r->flags = flags;
	r->src = TT_SRC_SSL;
	r->fd = 7;
	memcpy(r->data, p, len);
	s->arena.len = off + ((size + 7) & ~(size_t)7);
	s->pos[dir] += len;
	if (s->n == s->nalloc) {
		s->nalloc = s->nalloc ? 2 * s->nalloc : 256;
		s->offs = xrealloc(s->offs, s->nalloc * sizeof(*s->offs));
	}
	s->offs[s->n++] = off;
}

/* One SSL call of len bytes, captured as TT_CHUNK-byte records. */
static void call(struct script *s, int dir, const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t off = 0, k;

	do {
		k = len - off < TT_CHUNK ? len - off : TT_CHUNK;
		rec_add(s, dir, c + off, k, (uint32_t)len,
			(off ? 0 : TT_DF_FIRST) | (off + k == len ? TT_DF_LAST : 0));
		off += k;
	} while (off < len);
}

/* len bytes as calls of at most max bytes. */
static void calls(struct script *s, int dir, const void *p, size_t len, size_t max)
{
	const unsigned char *c = p;
	size_t off, k;

	for (off = 0; off < len; off += k) {
		k = len - off < max ? len - off : max;
		call(s, dir, c + off, k);
	}
}

/* ---- corpora ---- */

struct gz_body { /* for the zlib baseline */
	unsigned char *z;
	size_t len;
	size_t *pieces; /* compressed bytes per read, as the layer gets them */
	size_t npieces;
	size_t plain; /* inflated size */
};

struct corpus {
	const char *name;
	struct script **sc;
	size_t nsc;
	/* interleaved replay order, filled by corpus_seal() */
	struct tt_data **recs;
	uint64_t *base_pos, *span;
	size_t nrec;
	uint64_t bytes, ts_end;
	/* expected */
	uint64_t x, events, event_bytes, body_bytes;
	/* gzip bodies */
	struct gz_body *gz;
	size_t ngz;
};

static void corpus_add(struct corpus *c, struct script *s)
{
	c->sc = xrealloc(c->sc, (c->nsc + 1) * sizeof(*c->sc));
	c->sc[c->nsc++] = s;
}

/* Round-robin over the connections, one record per turn (a capture interleaves them so). */
static void corpus_seal(struct corpus *c)
{
	size_t i, total = 0, *next = calloc(c->nsc ? c->nsc : 1, sizeof(size_t));
	bool more = true;

	if (!next)
		die("out of memory");
	for (i = 0; i < c->nsc; i++)
		total += c->sc[i]->n;
	c->recs = xrealloc(NULL, total * sizeof(*c->recs));
	c->base_pos = xrealloc(NULL, total * sizeof(*c->base_pos));
	c->span = xrealloc(NULL, total * sizeof(*c->span));
	while (more) {
		more = false;
		for (i = 0; i < c->nsc; i++) {
			struct script *s = c->sc[i];
			struct tt_data *r;

			if (next[i] == s->n)
				continue;
			more = true;
			r = (struct tt_data *)(s->arena.p + s->offs[next[i]++]);
			r->h.ts_ns = 1000000000ull + (uint64_t)c->nrec * 1000;
			c->base_pos[c->nrec] = r->pos;
			c->span[c->nrec] = s->pos[r->dir];
			c->bytes += r->len;
			c->recs[c->nrec++] = r;
		}
	}
	c->ts_end = 1000000000ull + (uint64_t)c->nrec * 1000;
	free(next);
}

/* A corpus made of others' connections (they stay owned by the parts). */
static void corpus_mix(struct corpus *m, struct corpus **parts, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < parts[i]->nsc; j++)
			corpus_add(m, parts[i]->sc[j]);
		m->x += parts[i]->x;
		m->events += parts[i]->events;
		m->event_bytes += parts[i]->event_bytes;
		m->body_bytes += parts[i]->body_bytes;
	}
	corpus_seal(m);
}

static const char *const resp_common =
	"Date: Tue, 04 Mar 2025 10:12:44 GMT\r\n"
	"Connection: keep-alive\r\n"
	"access-control-expose-headers: X-Request-ID\r\n"
	"openai-organization: org-benchmark\r\n"
	"openai-processing-ms: 412\r\n"
	"openai-version: 2020-10-01\r\n"
	"strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n"
	"x-ratelimit-limit-requests: 10000\r\n"
	"x-ratelimit-remaining-requests: 9999\r\n"
	"x-ratelimit-reset-requests: 6ms\r\n"
	"cf-cache-status: DYNAMIC\r\n"
	"Server: cloudflare\r\n"
	"alt-svc: h3=\":443\"; ma=86400\r\n";

static void req_head(struct bytes *b, const char *method, const char *target, size_t clen)
{
	b_printf(b,
		 "%s %s HTTP/1.1\r\n"
		 "Host: api.openai.com\r\n"
		 "Accept-Encoding: gzip, deflate\r\n"
		 "Connection: keep-alive\r\n"
		 "Accept: application/json\r\n"
		 "Content-Type: application/json\r\n"
		 "User-Agent: OpenAI/Python 1.54.3\r\n"
		 "X-Stainless-Lang: python\r\n"
		 "X-Stainless-Package-Version: 1.54.3\r\n"
		 "X-Stainless-Runtime: CPython\r\n"
		 "X-Stainless-Runtime-Version: 3.11.2\r\n"
		 "Authorization: Bearer sk-proj-",
		 method, target);
	b_id(b, 48);
	b_str(b, "\r\n");
	if (clen || !strcmp(method, "POST"))
		b_printf(b, "Content-Length: %zu\r\n", clen);
	b_str(b, "\r\n");
}

static void resp_head(struct bytes *b, const char *ctype, const char *cenc, long clen)
{
	b_printf(b, "HTTP/1.1 200 OK\r\n%sContent-Type: %s\r\n", resp_common, ctype);
	if (cenc)
		b_printf(b, "Content-Encoding: %s\r\n", cenc);
	if (clen >= 0)
		b_printf(b, "Content-Length: %ld\r\n", clen);
	else
		b_str(b, "Transfer-Encoding: chunked\r\n");
	b_str(b, "x-request-id: req_");
	b_id(b, 32);
	b_str(b, "\r\ncf-ray: ");
	b_id(b, 16);
	b_str(b, "-AMS\r\n\r\n");
}

static void gzip_all(const void *p, size_t n, struct bytes *out)
{
	z_stream z = { 0 };

	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	b_reserve(out, deflateBound(&z, n));
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = out->p + out->len;
	z.avail_out = (uInt)(out->cap - out->len);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate");
	out->len = out->cap - z.avail_out;
	deflateEnd(&z);
}

/* A small chat request body (what precedes a streamed answer). */
static void chat_req(struct bytes *b, bool stream, size_t target)
{
	b_str(b,
	      "{\"model\":\"gpt-4o-2024-08-06\",\"messages\":[{\"role\":\"system\",\"content\":\"");
	b_words(b, 60);
	b_str(b, "\"}");
	while (b->len + 400 < target) {
		size_t k = rnd(4);

		if (k == 0) {
			b_str(b, ",{\"role\":\"user\",\"content\":\"");
			b_words(b, 20 + rnd(200));
			b_str(b, "\"}");
		} else if (k == 1) {
			b_str(b,
			      ",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
			      "\"call_");
			b_id(b, 24);
			b_str(b,
			      "\",\"type\":\"function\",\"function\":{\"name\":\"read_file\","
			      "\"arguments\":\"{\\\"path\\\":\\\"src/");
			b_str(b, words[rnd(NWORDS)]);
			b_str(b, ".c\\\"}\"}}]}");
		} else {
			b_str(b, ",{\"role\":\"tool\",\"tool_call_id\":\"call_");
			b_id(b, 24);
			b_str(b, "\",\"content\":\"");
			b_words(b, 100 + rnd(1500));
			b_str(b, "\"}");
		}
	}
	b_printf(b,
		 "],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"read_file\","
		 "\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":"
		 "\"string\"}}}}}],\"temperature\":0.2,\"stream\":%s%s}",
		 stream ? "true" : "false",
		 stream ? ",\"stream_options\":{\"include_usage\":true}" : "");
}

static void chat_resp(struct bytes *b)
{
	b_str(b, "{\"id\":\"chatcmpl-");
	b_id(b, 29);
	b_str(b,
	      "\",\"object\":\"chat.completion\",\"created\":1741083164,\"model\":"
	      "\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
	      "\"assistant\",\"content\":\"");
	b_words(b, 300 + rnd(400));
	b_str(b,
	      "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
	      "\"usage\":{\"prompt_tokens\":131072,\"completion_tokens\":512,\"total_tokens\":"
	      "131584},\"system_fingerprint\":\"fp_f9f4fb6dbf\"}");
}

/* One SSE event's data (JSON), OpenAI (style 0) or Anthropic (style 1). */
static void sse_event(struct bytes *ev, struct bytes *data, int style, const char *id, size_t i,
		      size_t n)
{
	data->len = 0;
	ev->len = 0;
	if (style == 0) {
		if (i == n + 1) {
			b_str(data, "[DONE]");
		} else {
			b_printf(data,
				 "{\"id\":\"chatcmpl-%s\",\"object\":\"chat.completion.chunk\","
				 "\"created\":1741083164,\"model\":\"gpt-4o-2024-08-06\","
				 "\"system_fingerprint\":\"fp_f9f4fb6dbf\",\"choices\":[",
				 id);
			if (i == 0) {
				b_str(data,
				      "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
				      "\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":"
				      "null}],\"usage\":null}");
			} else if (i == n) {
				b_str(data,
				      "],\"usage\":{\"prompt_tokens\":9123,\"completion_tokens\":"
				      "4000,\"total_tokens\":13123}}");
			} else {
				b_str(data, "{\"index\":0,\"delta\":{\"content\":\"");
				b_words(data, 1 + rnd(3));
				b_str(data,
				      "\"},\"logprobs\":null,\"finish_reason\":null}],"
				      "\"usage\":null}");
			}
		}
		b_str(ev, "data: ");
	} else {
		const char *type;

		if (i == 0) {
			type = "message_start";
			b_printf(data,
				 "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_%s\","
				 "\"type\":\"message\",\"role\":\"assistant\",\"model\":"
				 "\"claude-sonnet-4-20250514\",\"content\":[],\"stop_reason\":null,"
				 "\"usage\":{\"input_tokens\":9123,\"output_tokens\":1}}}",
				 id);
		} else if (i == n) {
			type = "message_delta";
			b_str(data,
			      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
			      "\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":"
			      "4000}}");
		} else if (i == n + 1) {
			type = "message_stop";
			b_str(data, "{\"type\":\"message_stop\"}");
		} else {
			type = "content_block_delta";
			b_str(data,
			      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
			      "{\"type\":\"text_delta\",\"text\":\"");
			b_words(data, 1 + rnd(3));
			b_str(data, "\"}}");
		}
		b_printf(ev, "event: %s\ndata: ", type);
	}
	b_add(ev, data->p, data->len);
	b_str(ev, "\n\n");
}

/*
 * Streamed chat completions, SSE_STREAMS connections with one stream each; each stream also
 * goes to split[0] (16 KiB reads) or split[1] (one read per event) when split is given.
 */
static void gen_sse(struct corpus *c, uint32_t pid, bool gz, struct corpus **split)
{
	struct bytes req = { 0 }, head = { 0 }, ev = { 0 }, data = { 0 }, wire = { 0 };
	struct bytes zbuf = { 0 }, id = { 0 };
	size_t si, i, n = SSE_EVENTS;

	for (si = 0; si < SSE_STREAMS; si++) {
		struct corpus *sp = split ? split[(si & 2) ? 1 : 0] : NULL;
		uint64_t ev0 = c->events, evb0 = c->event_bytes, bb0 = c->body_bytes;
		struct script *s = script_new(pid);
		int style = (int)(si & 1);
		bool per_event = si & 2;
		z_stream z = { 0 };
		struct gz_body gb = { 0 };
		size_t npieces_alloc = 0;

		req.len = head.len = wire.len = zbuf.len = id.len = 0;
		b_id(&id, 24);
		b_add(&id, "", 1);
		data.len = 0;
		chat_req(&data, true, 4096 + rnd(16384));
		req_head(&req, "POST", style ? "/v1/messages" : "/v1/chat/completions", data.len);
		b_add(&req, data.p, data.len);
		c->body_bytes += data.len;
		call(s, TT_DIR_WRITE, req.p, req.len);
		resp_head(&head, "text/event-stream; charset=utf-8", gz ? "gzip" : NULL, -1);
		if (gz &&
		    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			die("deflateInit2");
		if (per_event)
			call(s, TT_DIR_READ, head.p, head.len);
		else
			b_add(&wire, head.p, head.len);
		for (i = 0; i <= n + 2; i++) {
			const unsigned char *chunk;
			size_t clen, at;
			bool end = i == n + 2; /* gzip trailer (if any), then the last chunk */

			if (!end) {
				sse_event(&ev, &data, style, (char *)id.p, i, n);
				c->events++;
				c->event_bytes += data.len;
			}
			if (gz) {
				at = zbuf.len;
				b_reserve(&zbuf, ev.len + 64);
				z.next_in = ev.p;
				z.avail_in = end ? 0 : (uInt)ev.len;
				z.next_out = zbuf.p + zbuf.len;
				z.avail_out = (uInt)(zbuf.cap - zbuf.len);
				if (deflate(&z, end ? Z_FINISH : Z_SYNC_FLUSH) !=
					    (end ? Z_STREAM_END : Z_OK) ||
				    z.avail_in)
					die("deflate");
				zbuf.len = zbuf.cap - z.avail_out;
				chunk = zbuf.p + at;
				clen = zbuf.len - at;
				gb.plain += end ? 0 : ev.len;
			} else {
				chunk = ev.p;
				clen = end ? 0 : ev.len;
			}
			at = wire.len;
			if (clen) {
				b_printf(&wire, "%zx\r\n", clen);
				b_add(&wire, chunk, clen);
				b_str(&wire, "\r\n");
				if (gz && per_event) {
					if (gb.npieces == npieces_alloc) {
						npieces_alloc = npieces_alloc ? 2 * npieces_alloc :
										1024;
						gb.pieces = xrealloc(
							gb.pieces, npieces_alloc * sizeof(size_t));
					}
					gb.pieces[gb.npieces++] = clen;
				}
			}
			if (end)
				b_str(&wire, "0\r\n\r\n");
			if (per_event) {
				call(s, TT_DIR_READ, wire.p + at, wire.len - at);
				wire.len = 0;
			}
		}
		if (!per_event)
			calls(s, TT_DIR_READ, wire.p, wire.len, READ_CALL);
		if (gz) {
			deflateEnd(&z);
			gb.z = xrealloc(NULL, zbuf.len);
			memcpy(gb.z, zbuf.p, zbuf.len);
			gb.len = zbuf.len;
			if (!per_event) { /* 16 KiB reads: about 16 KiB of gzip each */
				size_t off;

				for (off = 0; off < gb.len; off += READ_CALL) {
					gb.pieces = xrealloc(gb.pieces,
							     (gb.npieces + 1) * sizeof(size_t));
					gb.pieces[gb.npieces++] =
						gb.len - off < READ_CALL ? gb.len - off : READ_CALL;
				}
			}
			c->gz = xrealloc(c->gz, (c->ngz + 1) * sizeof(*c->gz));
			c->gz[c->ngz++] = gb;
			if (sp) {
				sp->gz = xrealloc(sp->gz, (sp->ngz + 1) * sizeof(*sp->gz));
				sp->gz[sp->ngz++] = gb;
			}
		}
		c->x++;
		corpus_add(c, s);
		if (sp) {
			sp->x++;
			sp->events += c->events - ev0;
			sp->event_bytes += c->event_bytes - evb0;
			sp->body_bytes += c->body_bytes - bb0;
			corpus_add(sp, s);
		}
	}
	free(req.p);
	free(head.p);
	free(ev.p);
	free(data.p);
	free(wire.p);
	free(zbuf.p);
	free(id.p);
}

/* 500 KiB chat requests, JSON responses (gzip or not), keep-alive. */
static void gen_json(struct corpus *c, uint32_t pid, bool gz)
{
	struct bytes body = { 0 }, head = { 0 }, resp = { 0 }, z = { 0 };
	size_t ci, k;

	for (ci = 0; ci < JSON_CONNS; ci++) {
		struct script *s = script_new(pid);

		for (k = 0; k < JSON_PER_CONN; k++) {
			body.len = head.len = resp.len = z.len = 0;
			chat_req(&body, false, JSON_REQ_BYTES);
			req_head(&head, "POST", "/v1/chat/completions", body.len);
			call(s, TT_DIR_WRITE, head.p, head.len);
			calls(s, TT_DIR_WRITE, body.p, body.len, WRITE_CALL);
			c->body_bytes += body.len;
			body.len = 0;
			chat_resp(&body);
			c->body_bytes += body.len;
			if (gz) {
				gzip_all(body.p, body.len, &z);
				resp_head(&resp, "application/json", "gzip", (long)z.len);
				b_add(&resp, z.p, z.len);
			} else {
				resp_head(&resp, "application/json", NULL, (long)body.len);
				b_add(&resp, body.p, body.len);
			}
			calls(s, TT_DIR_READ, resp.p, resp.len, READ_CALL);
			c->x++;
		}
		corpus_add(c, s);
	}
	free(body.p);
	free(head.p);
	free(resp.p);
	free(z.p);
}

/* Many small exchanges on one keep-alive connection. */
static void gen_small(struct corpus *c, uint32_t pid)
{
	struct script *s = script_new(pid);
	struct bytes req = { 0 }, body = { 0 }, resp = { 0 };
	size_t k;

	for (k = 0; k < SMALL_X; k++) {
		req.len = body.len = resp.len = 0;
		if (k & 1) {
			b_str(&body, "{\"model\":\"text-embedding-3-small\",\"input\":\"");
			b_words(&body, 5 + rnd(20));
			b_str(&body, "\"}");
			req_head(&req, "POST", "/v1/moderations", body.len);
			b_add(&req, body.p, body.len);
			c->body_bytes += body.len;
		} else {
			req_head(&req, "GET", "/v1/models/gpt-4o-mini", 0);
		}
		call(s, TT_DIR_WRITE, req.p, req.len);
		body.len = 0;
		b_str(&body, "{\"id\":\"modr-");
		b_id(&body, 20);
		b_str(&body,
		      "\",\"object\":\"model\",\"created\":1721172741,\"owned_by\":\"system\","
		      "\"results\":[{\"flagged\":false,\"note\":\"");
		b_words(&body, 10 + rnd(30));
		b_str(&body, "\"}]}");
		c->body_bytes += body.len;
		if (k % 4 == 3) {
			resp_head(&resp, "application/json", NULL, -1);
			b_printf(&resp, "%zx\r\n", body.len);
			b_add(&resp, body.p, body.len);
			b_str(&resp, "\r\n0\r\n\r\n");
		} else {
			resp_head(&resp, "application/json", NULL, (long)body.len);
			b_add(&resp, body.p, body.len);
		}
		call(s, TT_DIR_READ, resp.p, resp.len);
		c->x++;
	}
	corpus_add(c, s);
	free(req.p);
	free(body.p);
	free(resp.p);
}

/* ---- replay and check ---- */

struct tally {
	uint64_t x, events, event_bytes, body_bytes, bad;
	uint32_t bad_flags;
	int bad_status;
};

static void sink(struct http_exchange *x, void *ctx)
{
	struct tally *t = ctx;
	size_t i;

	t->x++;
	if (x->flags || x->status != 200) {
		if (!t->bad++) {
			t->bad_flags = x->flags;
			t->bad_status = x->status;
		}
	}
	t->body_bytes += x->req.body_len + x->resp.body_len;
	t->events += x->resp.n_events;
	for (i = 0; i < x->resp.n_events; i++)
		t->event_bytes += x->resp.events[i].data_len;
	http_exchange__free(x);
}

static void check(const struct corpus *c, const struct tally *t, const struct conn_stats *st,
		  uint64_t scale)
{
	if (t->x != c->x * scale || t->events != c->events * scale ||
	    t->event_bytes != c->event_bytes * scale || t->body_bytes != c->body_bytes * scale ||
	    t->bad)
		die("%s x%llu: decoded %llu exchanges (want %llu), %llu events (want %llu), "
		    "%llu event bytes (want %llu), %llu body bytes (want %llu), %llu flagged "
		    "(first: flags %#x status %d); stats: parse_errors %llu decode_errors %llu "
		    "caps_hit %llu gaps %llu incomplete %llu",
		    c->name, (unsigned long long)scale, (unsigned long long)t->x,
		    (unsigned long long)(c->x * scale), (unsigned long long)t->events,
		    (unsigned long long)(c->events * scale), (unsigned long long)t->event_bytes,
		    (unsigned long long)(c->event_bytes * scale), (unsigned long long)t->body_bytes,
		    (unsigned long long)(c->body_bytes * scale), (unsigned long long)t->bad,
		    t->bad_flags, t->bad_status, (unsigned long long)st->parse_errors,
		    (unsigned long long)st->decode_errors, (unsigned long long)st->caps_hit,
		    (unsigned long long)st->gaps, (unsigned long long)st->incomplete);
}

static void feed_all(struct conn_table *t, const struct corpus *c)
{
	size_t i;
	int err;

	for (i = 0; i < c->nrec; i++) {
		err = conn_table__feed(t, c->recs[i], c->recs[i]->h.size);
		if (err)
			die("%s: conn_table__feed: %s", c->name, strerror(-err));
	}
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds to feed the corpus to a fresh table and flush it (exchanges freed by the sink). */
static double run_layer(const struct corpus *c)
{
	struct tally tl = { 0 };
	struct conn_table *t;
	double t0, t1;

	t0 = cpu_now();
	t = conn_table__new(NULL, sink, &tl);
	if (!t)
		die("conn_table__new: %s", strerror(errno));
	feed_all(t, c);
	conn_table__flush(t);
	t1 = cpu_now();
	check(c, &tl, conn_table__stats(t), 1);
	conn_table__free(t);
	return t1 - t0;
}

/*
 * CPU seconds of zlib alone inflating the corpus's gzip bodies in the same pieces and in the
 * capture's order: round-robin over the bodies, one piece per turn, each body with its own
 * z_stream, as the layer meets them (the corpus interleaves connections record by record).
 * With seq, body after body instead: the kinder order for caches, which no capture of
 * concurrent streams gives (printed as the "seq" reference).
 */
static double run_zlib(const struct corpus *c, bool seq, uint64_t *out_plain, uint64_t *out_z)
{
	static unsigned char out[16384]; /* = coding.c's STAGE_BUF */
	uint64_t plain = 0, zb = 0;
	z_stream *zs = xrealloc(NULL, (c->ngz ? c->ngz : 1) * sizeof(*zs));
	size_t *p = xrealloc(NULL, (c->ngz ? c->ngz : 1) * sizeof(*p));
	size_t *off = xrealloc(NULL, (c->ngz ? c->ngz : 1) * sizeof(*off));
	size_t i, live;
	double t0, t1;
	int r;

	t0 = cpu_now();
	for (i = 0; i < c->ngz; i++) {
		memset(&zs[i], 0, sizeof(zs[i]));
		if (inflateInit2(&zs[i], 16 + MAX_WBITS) != Z_OK)
			die("inflateInit2");
		p[i] = off[i] = 0;
	}
	live = c->ngz;
	while (live) {
		live = 0;
		for (i = 0; i < c->ngz; i++) {
			const struct gz_body *g = &c->gz[i];
			z_stream *z = &zs[i];

			do {
				if (p[i] == g->npieces)
					break;
				z->next_in = g->z + off[i];
				z->avail_in = (uInt)g->pieces[p[i]];
				do {
					z->next_out = out;
					z->avail_out = sizeof(out);
					r = inflate(z, Z_NO_FLUSH);
					if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
						die("inflate: %d", r);
					plain += sizeof(out) - z->avail_out;
				} while (r != Z_BUF_ERROR && (z->avail_in || !z->avail_out));
				off[i] += g->pieces[p[i]++];
				if (p[i] == g->npieces) {
					if (r != Z_STREAM_END || off[i] != g->len)
						die("inflate: stream not ended");
					zb += g->len;
					inflateEnd(z);
				}
			} while (seq);
			live += p[i] < g->npieces;
		}
	}
	t1 = cpu_now();
	free(zs);
	free(p);
	free(off);
	for (i = 0; i < c->ngz; i++)
		plain -= c->gz[i].plain;
	if (plain)
		die("zlib inflated a different size");
	for (i = 0; i < c->ngz; i++)
		plain += c->gz[i].plain;
	*out_plain = plain;
	*out_z = zb;
	return t1 - t0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct all {
	struct corpus sse_plain, sse_gz, json_plain, json_gz, small_plain, small_gz;
	struct corpus sse_gz_16k, sse_gz_ev;
	struct corpus mix_plain, mix_gz;
};

static void gen_all(struct all *a)
{
	struct corpus *p[3], *split[2] = { &a->sse_gz_16k, &a->sse_gz_ev };

	a->sse_plain.name = "sse_plain";
	a->sse_gz.name = "sse_gzip";
	a->json_plain.name = "json_plain";
	a->json_gz.name = "json_gzip";
	a->small_plain.name = "small";
	a->small_gz.name = "small_in_gzip_mix";
	a->mix_plain.name = "mix_plain";
	a->mix_gz.name = "mix_gzip";
	a->sse_gz_16k.name = "sse_gzip_reads16k";
	a->sse_gz_ev.name = "sse_gzip_per_event";
	/* same text in both variants: the generator restarts from the same seed */
	rng = 0x9e3779b97f4a7c15ull;
	gen_sse(&a->sse_plain, PID_PLAIN, false, NULL);
	gen_json(&a->json_plain, PID_PLAIN, false);
	gen_small(&a->small_plain, PID_PLAIN);
	rng = 0x9e3779b97f4a7c15ull;
	gen_sse(&a->sse_gz, PID_GZIP, true, split);
	gen_json(&a->json_gz, PID_GZIP, true);
	gen_small(&a->small_gz, PID_GZIP);
	corpus_seal(&a->sse_plain);
	corpus_seal(&a->sse_gz);
	corpus_seal(&a->sse_gz_16k);
	corpus_seal(&a->sse_gz_ev);
	if (getenv("HTTPBENCH_BREAK")) {
		/* self-test of the checks: one corrupt byte in the middle of a gzip stream */
		struct tt_data *r = a->sse_gz_16k.recs[a->sse_gz_16k.nrec / 2];

		r->data[r->len / 2] ^= 0x55;
	}
	corpus_seal(&a->json_plain);
	corpus_seal(&a->json_gz);
	corpus_seal(&a->small_plain);
	corpus_seal(&a->small_gz);
	p[0] = &a->sse_plain;
	p[1] = &a->json_plain;
	p[2] = &a->small_plain;
	corpus_mix(&a->mix_plain, p, 3);
	p[0] = &a->sse_gz;
	p[1] = &a->json_gz;
	p[2] = &a->small_gz;
	corpus_mix(&a->mix_gz, p, 3);
}

static void print_corpus(const struct corpus *c)
{
	printf("corpus %s %llu %zu %llu %llu\n", c->name, (unsigned long long)c->bytes, c->nrec,
	       (unsigned long long)c->x, (unsigned long long)c->events);
}

/* only: NULL, or a comma-separated list of corpus names to time (the others are skipped) */
static bool wanted(const char *only, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (!only)
		return true;
	for (p = strstr(only, name); p; p = strstr(p + 1, name))
		if ((p == only || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static int do_speed(int reps, const char *only)
{
	static struct all a;
	struct corpus *cs[8], *zc[3];
	double v[8][64], z[3][64], zq[3][64];
	uint64_t plain[3] = { 0 }, zb[3] = { 0 };
	size_t i, nc = 8, nz = 3;
	int r;

	if (reps < 1 || reps > 64)
		die("reps must be 1..64");
	gen_all(&a);
	cs[0] = &a.mix_plain;
	cs[1] = &a.mix_gz;
	cs[2] = &a.sse_gz;
	cs[3] = &a.sse_plain;
	cs[4] = &a.json_plain;
	cs[5] = &a.small_plain;
	cs[6] = &a.sse_gz_16k;
	cs[7] = &a.sse_gz_ev;
	zc[0] = &a.sse_gz;
	zc[1] = &a.sse_gz_16k;
	zc[2] = &a.sse_gz_ev;
	for (i = r = 0; i < nc; i++)
		if (wanted(only, cs[i]->name))
			cs[r++] = cs[i];
	nc = (size_t)r;
	for (i = r = 0; i < nz; i++)
		if (wanted(only, zc[i]->name))
			zc[r++] = zc[i];
	nz = (size_t)r;
	for (i = 0; i < nc; i++)
		print_corpus(cs[i]);
	fflush(stdout);
	/*
	 * Untimed warm-up rounds: the layer's first rounds grow the heap (page faults of the event
	 * stores of concurrent streams, megabytes) and ran up to 15 % slower for about five rounds,
	 * where zlib alone, one 16 KiB buffer, is steady from the first.
	 */
	for (r = 0; r < WARMUP; r++) {
		for (i = 0; i < nc; i++)
			run_layer(cs[i]);
		for (i = 0; i < nz; i++) {
			run_zlib(zc[i], false, &plain[i], &zb[i]);
			run_zlib(zc[i], true, &plain[i], &zb[i]);
		}
	}
	for (r = 0; r < reps; r++) {
		for (i = 0; i < nc; i++)
			v[i][r] = run_layer(cs[i]);
		for (i = 0; i < nz; i++) {
			z[i][r] = run_zlib(zc[i], false, &plain[i], &zb[i]);
			zq[i][r] = run_zlib(zc[i], true, &plain[i], &zb[i]);
		}
	}
	for (i = 0; i < nc; i++) {
		double m = median(v[i], (size_t)reps);

		printf("speed %s %.6f %.3f\n", cs[i]->name, m, (double)cs[i]->bytes / 1e6 / m);
	}
	for (i = 0; i < nz; i++)
		printf("zlib %s %.6f %llu %llu %.6f\n", zc[i]->name, median(z[i], (size_t)reps),
		       (unsigned long long)zb[i], (unsigned long long)plain[i],
		       median(zq[i], (size_t)reps));
	return 0;
}

/* VmRSS / VmHWM of this process in MiB. */
static double status_mib(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	double v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		die("/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtod(line + kl + 1, NULL) / 1024.0;
	fclose(f);
	return v;
}

/* rep-th replay of c: the same connections, positions and times continued. */
static void shift(struct corpus *c, uint64_t rep)
{
	size_t i;

	for (i = 0; i < c->nrec; i++) {
		c->recs[i]->pos = c->base_pos[i] + rep * c->span[i];
		c->recs[i]->h.ts_ns = 1000000000ull + (uint64_t)i * 1000 + rep * c->ts_end;
	}
}

static int do_mem(int scale)
{
	static struct all a;
	struct tally tp = { 0 }, tg = { 0 };
	struct conn_table *tplain, *tgz;
	double base, peak;
	uint64_t bytes;
	bool reset;
	FILE *f;
	int r;

	if (scale < 1)
		die("scale must be >= 1");
	gen_all(&a);
	base = status_mib("VmRSS");
	/* the peak from here on: writing 5 resets VmHWM to the current RSS */
	f = fopen("/proc/self/clear_refs", "w");
	reset = f && fputs("5", f) >= 0;
	if (f && fclose(f))
		reset = false;
	tplain = conn_table__new(NULL, sink, &tp);
	tgz = conn_table__new(NULL, sink, &tg);
	if (!tplain || !tgz)
		die("conn_table__new: %s", strerror(errno));
	for (r = 0; r < scale; r++) {
		shift(&a.mix_plain, (uint64_t)r);
		feed_all(tplain, &a.mix_plain);
		shift(&a.mix_gz, (uint64_t)r);
		feed_all(tgz, &a.mix_gz);
	}
	conn_table__flush(tplain);
	conn_table__flush(tgz);
	peak = status_mib("VmHWM");
	check(&a.mix_plain, &tp, conn_table__stats(tplain), (uint64_t)scale);
	check(&a.mix_gz, &tg, conn_table__stats(tgz), (uint64_t)scale);
	conn_table__free(tplain);
	conn_table__free(tgz);
	bytes = (a.mix_plain.bytes + a.mix_gz.bytes) * (uint64_t)scale;
	if (!reset)
		fprintf(stderr, "httpbench: could not reset VmHWM; peak includes generation\n");
	printf("mem %d %llu %llu %.3f %.3f %.3f\n", scale, (unsigned long long)bytes,
	       (unsigned long long)((a.mix_plain.x + a.mix_gz.x) * (uint64_t)scale), base, peak,
	       peak - base);
	return 0;
}

int main(int argc, char **argv)
{
	pipeline_tune_malloc(); /* as tracetree-bpf does */
	if (argc >= 2 && !strcmp(argv[1], "speed"))
		return do_speed(argc > 2 ? atoi(argv[2]) : 7, argc > 3 ? argv[3] : NULL);
	if (argc >= 3 && !strcmp(argv[1], "mem"))
		return do_mem(atoi(argv[2]));
	fprintf(stderr, "usage: %s speed [REPS [CORPUS,...]] | mem SCALE\n", argv[0]);
	return 2;
}
