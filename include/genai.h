/* SPDX-License-Identifier: MIT */
/* genai.h: one decoded LLM API call (struct genai_call), the input of span export. */
#ifndef TT_GENAI_H
#define TT_GENAI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Field names follow the OpenTelemetry GenAI semantic conventions (v1.41 baseline, see
 * shared/reference/genai-otlp.md A.3). Every optional number has a has_ flag: a value the
 * traffic did not carry is absent, never 0. Strings are NUL-terminated, NULL when absent and
 * owned by the call unless marked "static" (those point into constant tables).
 */

/* A tool call the response asks for. */
struct genai_tool_call {
	char *id;   /* gen_ai.tool.call.id (call_..., toolu_...), NULL if none */
	char *name; /* gen_ai.tool.name */
	/*
	 * Arguments as JSON text (redacted). Always kept, because the linker matches tool spans
	 * to the commands they run; export it (gen_ai.tool.call.arguments) only with content
	 * capture on. NULL if none were seen.
	 */
	char *arguments;
	const char *type; /* static: "function", "custom", "server_tool_use", ... */
	/*
	 * Streaming: arrival of the last event that carried part of the call, when the agent can
	 * start running it (Codex does, before the response ends). 0 when not streamed.
	 */
	uint64_t ready_ns;
};

/*
 * A tool result the request sends back. Only results after the last assistant turn of the
 * history are listed: those answer the previous response; older ones were reported before.
 */
struct genai_tool_result {
	char *call_id; /* the id of the tool call it answers, NULL if the API has none */
	char *name;    /* tool name when the API repeats it (Gemini), else NULL */
	char *content; /* result text or JSON (redacted); only with content capture */
	/*
	 * analyze_args_hash of the result text, with or without content capture (never
	 * exported): runaway_iteration tells a result the run saw before by it. 0: none or empty.
	 */
	uint64_t content_hash;
	bool is_error; /* the request marks the result as an error (Anthropic is_error) */
	bool cut;      /* content was cut by the cap (gen_ai.tool.call.result truncated) */
};

struct genai_usage {
	int64_t input_tokens;	    /* includes cache read and cache write tokens */
	int64_t output_tokens;	    /* includes reasoning tokens */
	int64_t cache_read_tokens;  /* gen_ai.usage.cache_read.input_tokens */
	int64_t cache_write_tokens; /* gen_ai.usage.cache_write (was cache_creation) */
	int64_t reasoning_tokens;   /* gen_ai.usage.reasoning.output_tokens */
	double cost;		    /* tracetree.usage.cost: what the API says the call cost
				     * (OpenRouter usage.cost, in its credits) */
	bool has_input_tokens;
	bool has_output_tokens;
	bool has_cache_read_tokens;
	bool has_cache_write_tokens;
	bool has_reasoning_tokens;
	bool has_cost;
};

struct genai_request_params {
	double temperature;
	double top_p;
	double frequency_penalty;
	double presence_penalty;
	int64_t top_k;
	int64_t max_tokens; /* max_(completion_|output_)tokens, maxOutputTokens */
	int64_t seed;
	int64_t choice_count; /* n / candidateCount as sent (export only when != 1) */
	char **stop_sequences;
	size_t n_stop_sequences;
	bool has_temperature;
	bool has_top_p;
	bool has_frequency_penalty;
	bool has_presence_penalty;
	bool has_top_k;
	bool has_max_tokens;
	bool has_seed;
	bool has_choice_count;
};

enum genai_call_flags {
	GENAI_F_REQ_TRUNCATED = 1 << 0,	    /* request cut by a cap: fields may be missing */
	GENAI_F_RESP_TRUNCATED = 1 << 1,    /* response cut: fields parsed so far */
	GENAI_F_INCOMPLETE = 1 << 2,	    /* stream ended early (no terminal event) */
	GENAI_F_NO_RESPONSE = 1 << 3,	    /* connection ended before a response */
	GENAI_F_CONTENT_TRUNCATED = 1 << 4, /* a content attribute hit its cap (content_cut) */
};

/* Which content attributes of a call were cut by the cap (tracetree.content.truncated). */
enum genai_content_cut {
	GENAI_CUT_INPUT = 1 << 0,     /* gen_ai.input.messages: oldest messages dropped */
	GENAI_CUT_OUTPUT = 1 << 1,    /* gen_ai.output.messages */
	GENAI_CUT_SYSTEM = 1 << 2,    /* gen_ai.system_instructions */
	GENAI_CUT_TOOL_DEFS = 1 << 3, /* gen_ai.tool.definitions */
};

struct genai_call {
	/* Where and when: copied from the HTTP exchange. */
	uint32_t pid;
	uint32_t tid;
	uint64_t conn;
	uint64_t seq;		 /* exchange number on the connection */
	uint64_t start_ns;	 /* request first byte (boot-time ns) */
	uint64_t end_ns;	 /* response last byte (request end if none) */
	uint64_t first_chunk_ns; /* first response chunk; 0 if none */
	uint64_t ttft_ns;	 /* first_chunk_ns - start_ns (streaming only) */
	bool has_ttft;

	/* What. */
	const char *provider_name; /* static: gen_ai.provider.name ("openai", "anthropic") */
	const char *system;	   /* static: legacy gen_ai.system ("az.ai.openai") */
	const char *operation;	   /* static: "chat", "text_completion", "generate_content",
					 * "embeddings", "rerank" */
	const char *api_type;	   /* static: openai.api.type ("chat_completions",
					 * "responses"), NULL for other APIs */
	bool legacy_semconv;	   /* opts asked for legacy attributes as well */
	/*
	 * static: "generic" when no known API's decoder read the exchange and the generic one
	 * found a model call in it (tracetree.decode), NULL for the known APIs
	 */
	const char *decode;
	char *request_model;
	char *response_model;
	char *response_id;
	char *conversation_id;	    /* gen_ai.conversation.id (Responses `conversation`) */
	char *previous_response_id; /* gen_ai.request.previous_response.id */
	char *output_type;	    /* gen_ai.output.type: "text", "json" */
	char *reasoning_level;	    /* gen_ai.request.reasoning.level */
	char *service_tier;	    /* openai.response.service_tier (request's if none) */
	char *system_fingerprint;   /* openai.response.system_fingerprint */
	char **finish_reasons;	    /* one per choice, provider-native values */
	size_t n_finish_reasons;
	struct genai_usage usage;
	struct genai_request_params params;
	bool streaming; /* gen_ai.request.stream */
	/* gen_ai.embeddings.dimension.count: the length of the first vector (never the vectors) */
	int64_t embed_dims;
	bool has_embed_dims;
	/* gen_ai.request.encoding_formats: "float", "base64", Cohere's "int8"... as asked */
	char **encoding_formats;
	size_t n_encoding_formats;

	/* Where to. */
	char *server_address; /* Host header name, else the peer address */
	int server_port;      /* 0 if unknown */
	/* The connection that carried it, as the exchange has it (linker: network.*, tls.*). */
	int fd;		    /* socket fd, -1 if unknown */
	char peer_addr[64]; /* numeric peer address, "" if unknown */
	uint16_t peer_port; /* 0 if unknown */
	bool tls;
	uint8_t src;	      /* enum tt_src */
	uint8_t lib;	      /* enum tt_lib */
	uint8_t http_version; /* 10, 11, 20; 0 if unknown */

	/* Tools. */
	struct genai_tool_call *tool_calls; /* asked for by the response, in order */
	size_t n_tool_calls;
	struct genai_tool_result *tool_results; /* sent back by the request, in order */
	size_t n_tool_results;
	/*
	 * The tools the request offered, with or without content capture, kept private (never
	 * exported: no description, no value): a JSON array of {name, parameters: {properties:
	 * {key: {type}}, required, additionalProperties}} (analyze_offer_add), NULL when none
	 * was offered or the offer passed TT_MAX_OFFER_TOOLS / TT_MAX_OFFER_BYTES.
	 */
	char *tool_offer;

	/* Errors: error_type set (provider error code/type, else the HTTP status) on failure. */
	char *error_type;
	char *error_message; /* provider error message (redacted), NULL if none */
	int http_status;     /* 0 if no response */

	/*
	 * Content, only when provider_opts.capture_content is set, redacted, as JSON text in the
	 * shape of the conventions (gen-ai-input-messages.json, -output-messages.json,
	 * -system-instructions.json, tool definitions). NULL when off or absent.
	 */
	char *input_messages;
	char *output_messages;
	char *system_instructions;
	char *tool_definitions;

	uint32_t flags;	      /* enum genai_call_flags */
	uint32_t content_cut; /* enum genai_content_cut */
};

/* Frees everything the call owns, then the call; NULL-safe. */
void genai_call__free(struct genai_call *c);

/* Receives each decoded call; takes ownership (free with genai_call__free). */
typedef void (*genai_call_sink_fn)(struct genai_call *c, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* TT_GENAI_H */
