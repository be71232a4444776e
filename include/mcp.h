/* SPDX-License-Identifier: MIT */
/* mcp.h: MCP (Model Context Protocol) JSON-RPC calls over streamable HTTP, from HTTP exchanges. */
#ifndef TT_MCP_H
#define TT_MCP_H

#include <stdbool.h>
#include <stdint.h>

#include "http_exchange.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One JSON-RPC request (or notification) POSTed to an MCP endpoint and its response, which
 * comes back as application/json or as an event of a text/event-stream body (streamable HTTP
 * transport). Strings are NULL when absent.
 */
struct mcp_call {
	char *method;		/* mcp.method.name: "tools/call", "initialize", ... */
	char *request_id;	/* jsonrpc.request.id as text; NULL for a notification */
	char *session_id;	/* hash (redact_id) of the Mcp-Session-Id of the request, else
				 * of the response: the id works as a credential */
	char *protocol_version; /* MCP-Protocol-Version header, else initialize's */
	char *jsonrpc_version;	/* "2.0" */
	char *tool_name;	/* params.name of tools/call */
	char *prompt_name;	/* params.name of prompts/get */
	char *resource_uri; /* params.uri of resources/read, subscribe, unsubscribe (redacted) */
	char *arguments;    /* params.arguments of tools/call, JSON text (redacted) */
	char *result;	    /* result of the response, JSON text (redacted) */
	bool has_response;  /* the response with the request's id was seen */
	bool tool_error;    /* tools/call result with isError true */
	bool has_error;	    /* a JSON-RPC error response */
	int64_t error_code;
	char *error_message; /* redacted, at most TT_MAX_GENAI_STR bytes */
};

/*
 * Decodes x as an MCP call: 0 and *out (free with mcp_call__free), -ENOENT when x is not a
 * JSON-RPC request, -ENOMEM. Texts longer than TT_MAX_GENAI_CONTENT are cut; every text that
 * can carry a secret is redacted here (redact.h), the one place MCP calls are redacted.
 */
int mcp_decode(const struct http_exchange *x, struct mcp_call **out);
/* NULL-safe. */
void mcp_call__free(struct mcp_call *c);

#ifdef __cplusplus
}
#endif
#endif /* TT_MCP_H */
