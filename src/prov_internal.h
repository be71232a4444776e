/* SPDX-License-Identifier: MIT */
/* prov_internal.h: internals of provider, the prov_* decoders and their helpers (not an API). */
#ifndef TT_PROV_INTERNAL_H
#define TT_PROV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "genai.h"
#include "http_exchange.h"
#include "tt_limits.h"
#include "provider.h"

enum prov_api {
	PROV_API_NONE = 0,
	PROV_API_OPENAI_CHAT,	     /* .../chat/completions */
	PROV_API_OPENAI_COMPLETIONS, /* .../completions (legacy text completion) */
	PROV_API_OPENAI_RESPONSES,   /* .../responses */
	PROV_API_OPENAI_EMBEDDINGS,  /* .../embeddings (OpenAI, Azure, Voyage, compatible) */
	PROV_API_GEMINI_EMBED,	  /* models/M:embedContent | :batchEmbedContents, Vertex :predict */
	PROV_API_COHERE_EMBED,	  /* /v1/embed, /v2/embed */
	PROV_API_OLLAMA_EMBED,	  /* /api/embed, /api/embeddings */
	PROV_API_RERANK,	  /* .../rerank (Cohere, Voyage) */
	PROV_API_ANTHROPIC,	  /* .../v1/messages, Vertex :rawPredict */
	PROV_API_GEMINI,	  /* ...models/M:generateContent | :streamGenerateContent */
	PROV_API_OLLAMA_CHAT,	  /* /api/chat */
	PROV_API_OLLAMA_GENERATE, /* /api/generate */
	PROV_API_COHERE,	  /* /v2/chat */
	PROV_API_BEDROCK_CONVERSE, /* /model/{id}/converse | /converse-stream */
	PROV_API_BEDROCK_INVOKE,   /* /model/{id}/invoke | /invoke-with-response-stream */
	PROV_API_GENERIC,	   /* none known: a model call found in the bodies */
};

/* What the request line and headers say about the exchange. */
struct prov_match {
	enum prov_api api;
	const char *provider;		   /* static gen_ai.provider.name */
	const char *system;		   /* static legacy gen_ai.system */
	bool known_host;		   /* host or an API-specific path/header names the API */
	bool path_stream;		   /* the URL asks for a stream (streamGenerateContent,
					    * converse-stream) */
	bool path_sse;			   /* ...and alt=sse */
	char path_model[TT_MAX_GENAI_STR]; /* model / deployment in the path (URL-decoded), or "" */
};

enum prov_block_kind {
	PROV_BLK_TEXT,
	PROV_BLK_REASONING,
	PROV_BLK_REFUSAL,
	PROV_BLK_TOOL,
};

/* One output part being assembled from a body or from stream deltas. */
struct prov_block {
	int choice; /* choice / candidate index */
	int key;    /* provider key within the choice (block or tool index) */
	enum prov_block_kind kind;
	char *id;	       /* tool call id */
	char *name;	       /* tool name */
	const char *tool_type; /* static tool type */
	struct tt_buf data;    /* text, or tool arguments JSON text */
	bool cut;	       /* data hit its cap */
	uint64_t last_ns;      /* arrival of the last event that added to it, 0: none */
};

struct prov_ctx {
	const struct http_exchange *x;
	const struct provider_opts *opts;
	const struct prov_match *m;
	struct genai_call *c;
	bool capture;	    /* content capture on */
	size_t content_max; /* bytes of one content attribute */
	cJSON *req;	    /* parsed request body (see prov_request()) */
	bool req_parsed;

	uint64_t ev_ns; /* arrival of the stream event being decoded, 0: none */
	/* last_ns of the tool blocks a final object replaced (prov_blocks_reset), by key */
	struct prov_block_time {
		int choice, key;
		uint64_t ns;
	} * times;
	size_t n_times, alloc_times;
	struct prov_block *blocks; /* in creation order */
	size_t n_blocks, alloc_blocks;
	size_t alloc_results; /* room of c->tool_results */
	size_t alloc_stops;   /* room of c->params.stop_sequences */
	char **finish;	      /* per choice index, NULL when not seen */
	int n_choices;	      /* 1 + highest choice index seen */
	const char *role;     /* static: role of output messages ("assistant") */

	cJSON *in_msgs;	  /* conventions input messages (capture only) */
	cJSON *sys;	  /* system instruction parts (capture only) */
	cJSON *tool_defs; /* tool definitions (capture only) */
	cJSON *offer;	  /* the tools offered, private (genai_call.tool_offer), always */
	bool offer_cut;	  /* past TT_MAX_OFFER_TOOLS or out of memory: no offer at all */
	/* Events of a streaming body that arrived as a plain body (see prov_events()). */
	struct http_message own;
	size_t alloc_own; /* room of own.events */
};

/* Decoders: 0, -ENOENT when the bodies do not have the API's shape, or -errno. */
int prov_openai_decode(struct prov_ctx *p);
int prov_anthropic_decode(struct prov_ctx *p);
int prov_gemini_decode(struct prov_ctx *p);
int prov_ollama_decode(struct prov_ctx *p);
int prov_cohere_decode(struct prov_ctx *p);
int prov_bedrock_decode(struct prov_ctx *p);
int prov_generic_decode(struct prov_ctx *p);
int prov_embed_decode(struct prov_ctx *p); /* the embeddings and rerank APIs */

/*
 * An LLM API over WebSocket (prov_realtime.c): the exchange conn_ws.c made of a connection cut
 * into one exchange per response, for the Responses decoder.
 */
struct prov_ws_iter {
	const struct http_exchange *x;
	size_t qi, ri;			 /* next client, server message */
	bool realtime;			 /* the OpenAI Realtime API (its path says so) */
	bool open;			 /* a response is being gathered */
	char *model;			 /* the session's (session.created / .updated) */
	const struct http_event *create; /* the client's response.create not answered yet */
	cJSON *items;	   /* the conversation items the client added since the last response */
	uint64_t start_ns; /* of the open response: its response.create */
	struct http_event *evs; /* its server messages (views into x) */
	size_t n_evs, alloc;
	struct tt_buf body; /* its request: the response.create with the model */
};

void prov_ws_iter__init(struct prov_ws_iter *it, const struct http_exchange *x);
void prov_ws_iter__free(struct prov_ws_iter *it);
/*
 * The next response as an exchange in *vx (POST /v1/responses, its request body and its server
 * events; views valid until the next call): 1, 0 when there is no more, or -ENOMEM.
 */
int prov_ws_next(struct prov_ws_iter *it, struct http_exchange *vx);
/* x is a WebSocket exchange of an API prov_ws_next() cuts (path, or the first events). */
bool prov_ws_is_llm(const struct http_exchange *x);

/*
 * Reading the exchange (prov_internal.c, under the decoders and prov_build.c).
 */

/* JSON access (NULL-safe). */
cJSON *pj_parse(const void *data, size_t len, bool lenient);
const cJSON *pj_get(const cJSON *o, const char *key);
const cJSON *pj_path(const cJSON *o, ...); /* keys, NULL-terminated */
const char *pj_str(const cJSON *o, const char *key);
bool pj_num(const cJSON *o, const char *key, double *v);
bool pj_int(const cJSON *o, const char *key, int64_t *v);
bool pj_true(const cJSON *o, const char *key);
/* Text of a content value: a string, or the text of the first of its parts that has one. */
const char *pj_text(const cJSON *content);
/* Repairs JSON cut at the end (closes strings, arrays, objects after the last whole value). */
int pj_repair(const char *s, size_t len, struct tt_buf *out);
/*
 * The whole members of the JSON object whose text s[0..len) ends, cut anywhere before (inside a
 * string, a number, an array of any depth), as an object's text in out: "{" and the members
 * after the first comma at the object's own level, or the object itself when s holds it all.
 * Linear in len. 0, -ENOENT when s does not end an object or holds none of its members whole,
 * -ENOMEM.
 */
int pj_tail_members(const char *s, size_t len, struct tt_buf *out);
/*
 * A JSON object body whose bytes between data[head] and data[tail] were lost: the head parsed
 * as cut JSON (pj_repair), with the whole members the tail holds (pj_tail_members) that it
 * lacks. NULL when neither part gives an object.
 */
cJSON *pj_parse_gap(const void *data, size_t len, size_t head, size_t tail);

/* The body of the request, parsed once (repaired when cut); NULL if not a JSON object. */
const cJSON *prov_request(struct prov_ctx *p);
/* Takes one JSON object of the request (the request itself, a message of its history). */
typedef int (*prov_json_fn)(struct prov_ctx *p, const cJSON *o);
/*
 * Walks the history a request carries (messages or contents, oldest first). Only what follows
 * the model's latest turn (the last message of role model_role) is new: results(p, msg) takes
 * the tool results there, which answer the previous response. message(p, msg) takes every
 * message into the input content when content is captured.
 */
int prov_history(struct prov_ctx *p, const cJSON *msgs, const char *model_role,
		 prov_json_fn results, prov_json_fn message);

bool prov_resp_truncated(const struct prov_ctx *p);
/*
 * The events of the response: those a decoder put in p->own (Bedrock's model events), else the
 * body's (a stream that came as a plain body is split here: SSE, NDJSON, AWS event stream).
 */
int prov_events(struct prov_ctx *p, const struct http_event **ev, size_t *n);
/* d: the event's data as a JSON object, NULL when it is not one (OpenAI's [DONE]). */
typedef int (*prov_event_fn)(struct prov_ctx *p, const struct http_event *ev, const cJSON *d,
			     void *arg);
/*
 * Hands each event to fn with its data parsed (the last one repaired when cut: a cap may have
 * cut it), p->ev_ns set to its arrival. Stops at fn's first error.
 */
int prov_each_event(struct prov_ctx *p, const struct http_event *ev, size_t n, prov_event_fn fn,
		    void *arg);

/*
 * Building the call record (prov_build.c, under the decoders; provider.c calls prov_finish()).
 */

/* Whether the bodies have the shape of the API (checked for servers not known to speak it). */
typedef bool (*prov_shape_fn)(const struct prov_ctx *p, const cJSON *rq, const cJSON *body,
			      const struct http_event *ev, size_t n);
/*
 * How a decoder starts: the response's events, or when it has none its body parsed as JSON
 * (repaired when cut) in *body; -ENOENT when shape_ok (NULL: none) finds the bodies are not
 * the API's; the request read by parse_request; the model the URL names (Azure deployment,
 * Gemini or Vertex path) when the request named none. On success *body is the caller's.
 */
int prov_start(struct prov_ctx *p, prov_shape_fn shape_ok, prov_json_fn parse_request,
	       const struct http_event **ev, size_t *n, cJSON **body);

/* Call record setters. */
int prov_set_str(char **dst, const char *s); /* copy capped at TT_MAX_GENAI_STR; NULL: no-op */
void prov_set_i64(int64_t *dst, bool *has, const cJSON *o, const char *key);
void prov_set_dbl(double *dst, bool *has, const cJSON *o, const char *key);
/* temperature, top_p, frequency_penalty, presence_penalty, top_k and seed of o, if there */
void prov_set_sampling(struct genai_request_params *r, const cJSON *o);
int prov_set_stop(struct prov_ctx *p, const cJSON *stop);
int prov_set_error(struct prov_ctx *p, const cJSON *err); /* error object or string */
int prov_add_tool_result(struct prov_ctx *p, const char *call_id, const char *name,
			 const cJSON *content, bool is_error);
void prov_mark_chunk(struct prov_ctx *p, const struct http_event *ev);
/* A stream that ended without its last event (ended false), and without an error, is cut. */
void prov_stream_end(struct prov_ctx *p, bool ended);

/* Output assembly; prov_finish() turns blocks into tool calls, finish reasons and content. */
struct prov_block *prov_block(struct prov_ctx *p, int choice, enum prov_block_kind kind, int key);
void prov_blocks_reset(struct prov_ctx *p);
int prov_block_add(struct prov_ctx *p, struct prov_block *b, const char *s, size_t n);
/* Adds text to the block (choice, kind, key), made if need be; NULL or "" adds nothing. */
int prov_block_text(struct prov_ctx *p, int choice, enum prov_block_kind kind, int key,
		    const char *text);
/*
 * The index of a choice / candidate object ("index", else its position pos in the list),
 * counted in p->n_choices; -1 past TT_MAX_GENAI_CHOICES.
 */
int prov_choice(struct prov_ctx *p, const cJSON *o, int pos);
int prov_set_finish(struct prov_ctx *p, int choice, const char *reason);
int prov_finish(struct prov_ctx *p);

/* Content parts in the conventions' shape (capture only; NULL on -ENOMEM). */
cJSON *prov_part_text(const char *type, const char *text);
cJSON *prov_part_tool_call(const char *id, const char *name, const char *args_json);
/* The same with the arguments as a JSON value (NULL: none). */
cJSON *prov_part_tool_call_json(const char *id, const char *name, const cJSON *args);
cJSON *prov_part_tool_response(const char *id, const cJSON *response);
int prov_in_msg(struct prov_ctx *p, const char *role, cJSON *parts);
int prov_sys_text(struct prov_ctx *p, const char *text);
/*
 * A tool the request offers, with or without capture: its definition (capture) and its entry
 * in the private offer (genai_call.tool_offer).
 */
int prov_tool_def(struct prov_ctx *p, const char *type, const char *name, const char *desc,
		  const cJSON *params);

#endif /* TT_PROV_INTERNAL_H */
