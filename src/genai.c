// SPDX-License-Identifier: MIT
/* genai.c: destructor of the decoded LLM API call (struct genai_call). */
#include <stdlib.h>

#include "genai.h"
#include "str.h"

void genai_call__free(struct genai_call *c)
{
	size_t i;

	if (!c)
		return;
	free(c->request_model);
	free(c->response_model);
	free(c->response_id);
	free(c->conversation_id);
	free(c->previous_response_id);
	free(c->output_type);
	free(c->reasoning_level);
	free(c->service_tier);
	free(c->system_fingerprint);
	strv_free(c->finish_reasons, c->n_finish_reasons);
	strv_free(c->params.stop_sequences, c->params.n_stop_sequences);
	strv_free(c->encoding_formats, c->n_encoding_formats);
	free(c->server_address);
	for (i = 0; i < c->n_tool_calls; i++) {
		free(c->tool_calls[i].id);
		free(c->tool_calls[i].name);
		free(c->tool_calls[i].arguments);
	}
	free(c->tool_calls);
	for (i = 0; i < c->n_tool_results; i++) {
		free(c->tool_results[i].call_id);
		free(c->tool_results[i].name);
		free(c->tool_results[i].content);
	}
	free(c->tool_results);
	free(c->error_type);
	free(c->error_message);
	free(c->input_messages);
	free(c->output_messages);
	free(c->system_instructions);
	free(c->tool_definitions);
	free(c->tool_offer);
	free(c);
}
