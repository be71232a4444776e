/* SPDX-License-Identifier: MIT */
/* tt_limits.h: every cap on memory fed by traffic, in one place (DESIGN section 7). */
#ifndef TT_LIMITS_H
#define TT_LIMITS_H

/* clang-format off */
/* Capture (kernel side defaults; overridable on the command line). */
#define TT_DEF_CALL_CAP		(16u * 1024 * 1024)	/* bytes captured per SSL call: an agent's
							 * request of 8 MiB and more whole */
#define TT_MAX_CALL_CAP		(64u * 1024 * 1024)	/* = TT_CHUNK * TT_MAX_CHUNKS */
#define TT_DEF_RINGBUF		(32u * 1024 * 1024)	/* ring buffer bytes: twice the call cap, a
							 * call over it is lost whole if the consumer
							 * lags (mapped twice: counts 2x in RSS) */
#define TT_MAX_TRACKED		65536			/* processes in the tracked set */
#define TT_MAX_CONNS_BPF	65536			/* (tgid, SSL*) entries in BPF maps */
#define TT_DEF_HOLD_TIMEOUT_MS	5000			/* longest stop at exec of a new file */
#define TT_MAX_HELD		1024			/* processes stopped at exec at once */

/* Capture files. */
#define TT_CAP_MAX_RECORD	(1u << 20)		/* largest record a reader accepts */

/* Streams and HTTP. */
#define TT_MAX_CONNS		16384			/* open connections tracked in user space */
#define TT_MAX_STREAM_BUF	(8u * 1024 * 1024)	/* unconsumed bytes per direction */
#define TT_MAX_HEADER_BYTES	(64u * 1024)		/* request or response head */
#define TT_MAX_HEADERS		128			/* header fields per message */
#define TT_MAX_BODY		(32u * 1024 * 1024)	/* decoded body bytes kept */
#define TT_MAX_SSE_EVENT	(8u * 1024 * 1024)	/* one SSE event / NDJSON line */
#define TT_MAX_SSE_EVENTS	100000			/* events kept per response */
#define TT_MAX_PENDING_REQS	64			/* pipelined requests per connection */
#define TT_MAX_MIDSTREAM_PROBE	(256u * 1024)		/* bytes searched for a first message */
#define TT_CONN_IDLE_NS		(300ull * 1000000000)	/* idle connection expiry */
#define TT_MEM_BUDGET		(256u * 1024 * 1024)	/* all connections' buffers, bodies and
							 * waiting exchanges together */
#define TT_MAX_START_LINE	(8u * 1024)		/* request/status line when resyncing */
#define TT_MAX_CHUNK_LINE	4096			/* chunk-size line with extensions */
#define TT_MAX_CODINGS		4			/* stacked content codings decoded */

/* HTTP/2 (http2, conn_h2). */
#define TT_H2_MAX_FRAME		(1u << 20)		/* largest frame accepted, whatever SETTINGS
							 * allow; larger ones are skipped */
#define TT_H2_MAX_STREAMS	256			/* open streams tracked per connection */
#define TT_H2_MAX_HPACK_TABLE	(64u * 1024)		/* HPACK dynamic table per direction */

/* GenAI decoding (provider, prov_*). */
#define TT_MAX_GENAI_STR	1024			/* one id, model, finish reason, error type */
#define TT_MAX_GENAI_TEXT	(1u << 20)		/* assembled text of one output part */
#define TT_MAX_GENAI_ARGS	(1u << 20)		/* arguments JSON text of one tool call */
#define TT_MAX_GENAI_BLOCKS	1024			/* output parts (text, tool calls) per call */
#define TT_MAX_GENAI_CHOICES	128			/* choices / candidates per response */
#define TT_MAX_GENAI_TOOLS	1024			/* tool calls or tool results per call */
#define TT_MAX_GENAI_STOP	64			/* stop sequences kept */
#define TT_MAX_GENAI_CONTENT	(1u << 20)		/* one content attribute (JSON text) */
#define TT_CONTENT_MAX_DEFAULT	TT_MAX_GENAI_CONTENT	/* --content-max default */
#define TT_CONTENT_MAX_MIN	64u			/* --content-max at least */
#define TT_MAX_JSON_DEPTH	512			/* nesting when repairing truncated JSON */
#define TT_MAX_OFFER_TOOLS	256			/* tools of one request kept privately
							 * (names and schema keys: unexpected_tool) */
#define TT_MAX_OFFER_KEYS	64			/* properties or required names of one of them */
#define TT_MAX_OFFER_BYTES	(64u * 1024)		/* the JSON text of that offer */
#define TT_MAX_ARGS_SHAPE	4096			/* a tool call's argument shape (keys, types) */

/* Processes and spans. */
#define TT_MAX_PROCS		65536			/* processes in the user-space tree */
#define TT_MAX_OPEN_SPANS	100000			/* open tool spans + spans held for ids */
#define TT_MAX_HELD_SPANS	4096			/* finished spans of one trace waiting for a
							 * traceparent (its root still runs) */
#define TT_MAX_SPAN_EVENTS	32			/* events on one span (findings); more
							 * are counted as dropped */
#define TT_MAX_MODEL_LINE	(64u * 1024 * 1024)	/* one OTLP JSON line read back (analyze) */
#define TT_MAX_MODEL_FILE	(1u << 30)		/* one OTLP JSON Lines file read back */
#define TT_MAX_MODEL_SPANS	1000000			/* spans read back from one file */
#define TT_MAX_TOOL_HISTORY	32			/* closed tool windows kept per agent */
#define TT_MAX_PLACE_WAITING	4096			/* agent children awaiting placement */
#define TT_PLACE_WAIT_NS	(3ull * 1000000000)	/* how long one may wait */
#define TT_MAX_TOOL_VALUES	64			/* argument strings per tool call, to match */
#define TT_MAX_TOOL_VALUE	4096			/* bytes of one of them */
#define TT_MAX_EXPORT_QUEUE	(64u * 1024 * 1024)	/* bytes waiting for the exporter */

/* Process identity (procid.c): what is read of /proc and of the runtime's state, per process. */
#define TT_MAX_CGROUP_TEXT	(16u * 1024)		/* /proc/PID/cgroup read */
#define TT_MAX_STATUS_TEXT	(16u * 1024)		/* /proc/PID/status read (NSpid) */
#define TT_MAX_ENVIRON		(64u * 1024)		/* /proc/PID/environ read: an
							 * OTEL_SERVICE_NAME beyond is not seen */
#define TT_MAX_OCI_CONFIG	(4u * 1024 * 1024)	/* a container's OCI config.json */
#define TT_MAX_IDENT_CACHE	1024			/* containers whose annotations are kept */

/* Export (otlp_json, otlp_pb, export, tree_view). */
#define TT_MAX_EXPORT_BATCH	512			/* spans per TracesData line / HTTP request */
#define TT_MAX_METRIC_SERIES	1024			/* metric series (attribute sets) kept */
#define TT_MAX_EXPORT_BODY	(16u * 1024 * 1024)	/* one encoded batch (OTLP says < 64 MiB) */
#define TT_MAX_EXPORT_RESPONSE	(64u * 1024)		/* OTLP/HTTP response body kept */
#define TT_MAX_EXPORT_HEADERS	32			/* OTEL_EXPORTER_OTLP_HEADERS entries */
#define TT_MAX_EXPORT_PEM	(1u << 20)		/* an OTLP CA, certificate or key file */
#define TT_EXPORT_DRAIN_MS	5000			/* sending at exit, then unsent spans are counted */

/* The waterfall page (view.c, view_read.c): `view FILE` and --html. */
#define TT_MAX_VIEW_FILE	(256u * 1024 * 1024)	/* an OTLP JSON Lines file read by view */
#define TT_MAX_VIEW_LINE	(32u * 1024 * 1024)	/* one line of it */
#define TT_MAX_VIEW_SPANS	200000			/* spans in one page, the rest counted */
#define TT_MAX_VIEW_DATA	(256u * 1024 * 1024)	/* bytes of span data in one page */

/* OpenAI Responses chains (conv_chain.c): previous_response_id -> gen_ai.conversation.id. */
#define TT_MAX_CONV_CHAIN	4096			/* response ids remembered, oldest evicted */
#define TT_MAX_CONV_ID		256			/* a longer response or conversation id: skipped */

/* Inbound requests of server processes (linker_http.c). */
#define TT_MAX_SRV_OPEN		256			/* requests read, response not yet seen,
							 * per process: the oldest is forgotten */
#define TT_MAX_SRV_SOCKS	4096			/* plaintext sockets whose local port is
							 * remembered (direct-mapped) */
#define TT_MAX_LOCAL_LINKS	1024			/* requests on local connections waiting
							 * for the head of their other end */
/* clang-format on */

#endif /* TT_LIMITS_H */
