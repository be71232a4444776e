// SPDX-License-Identifier: MIT
/*
 * test_content.c: the content attributes of every provider fixture, parsed as JSON and checked
 * against the shape of the GenAI message schemas (gen-ai-input-messages.json, -output-messages,
 * -system-instructions, tool definitions); --content-max and the attributes it cut.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "genai.h"
#include "linker.h"
#include "prov_test.h"
#include "provider.h"
#include "span.h"
#include "test.h"
#include "tt_limits.h"

static bool str_in(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

static bool is_str(const cJSON *o, const char *key)
{
	return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* One part: a known type has its required fields; any other type is a GenericPart. */
static bool part_ok(const cJSON *part, bool text_only, char *why, size_t n)
{
	static const char *const modalities[] = { "image", "video", "audio", "document", NULL };
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(part, "type");
	const char *t = cJSON_IsString(type) ? type->valuestring : NULL;
	bool ok;

	if (!cJSON_IsObject(part) || !t || !t[0]) {
		snprintf(why, n, "a part without a type");
		return false;
	}
	if (text_only && strcmp(t, "text")) {
		snprintf(why, n, "system instructions: a %s part", t);
		return false;
	}
	if (!strcmp(t, "text") || !strcmp(t, "reasoning"))
		ok = is_str(part, "content");
	else if (!strcmp(t, "tool_call"))
		ok = is_str(part, "name");
	else if (!strcmp(t, "tool_call_response"))
		ok = cJSON_GetObjectItemCaseSensitive(part, "response") != NULL;
	else if (!strcmp(t, "blob"))
		ok = is_str(part, "content");
	else if (!strcmp(t, "uri"))
		ok = is_str(part, "uri");
	else if (!strcmp(t, "file"))
		ok = is_str(part, "file_id");
	else
		return true;
	if (ok && (!strcmp(t, "blob") || !strcmp(t, "uri") || !strcmp(t, "file")))
		ok = str_in(
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(part, "modality")),
			modalities);
	if (!ok)
		snprintf(why, n, "a %s part without its required fields", t);
	return ok;
}

static bool parts_ok(const cJSON *parts, bool text_only, char *why, size_t n)
{
	const cJSON *p;

	if (!cJSON_IsArray(parts)) {
		snprintf(why, n, "parts is no array");
		return false;
	}
	cJSON_ArrayForEach(p, parts)
		if (!part_ok(p, text_only, why, n))
			return false;
	return true;
}

/* An array of messages {role, parts, finish_reason (output)}: role and finish_reason as named. */
static bool messages_ok(const char *json, bool output, char *why, size_t n)
{
	static const char *const roles[] = { "system", "user", "assistant", "tool", NULL };
	cJSON *arr = cJSON_Parse(json), *m;
	bool ok = cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0;

	if (!ok)
		snprintf(why, n, "not a JSON array of messages");
	cJSON_ArrayForEach(m, arr) {
		if (!ok)
			break;
		if (!str_in(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "role")),
			    roles)) {
			snprintf(why, n, "a role not in the enum");
			ok = false;
		} else if (output && !is_str(m, "finish_reason")) {
			snprintf(why, n, "an output message without finish_reason");
			ok = false;
		} else {
			ok = parts_ok(cJSON_GetObjectItemCaseSensitive(m, "parts"), false, why, n);
		}
	}
	cJSON_Delete(arr);
	return ok;
}

static bool system_ok(const char *json, char *why, size_t n)
{
	cJSON *arr = cJSON_Parse(json);
	bool ok = cJSON_GetArraySize(arr) > 0 && parts_ok(arr, true, why, n);

	cJSON_Delete(arr);
	return ok;
}

static bool tool_defs_ok(const char *json, char *why, size_t n)
{
	cJSON *arr = cJSON_Parse(json), *d;
	bool ok = cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0;

	cJSON_ArrayForEach(d, arr) {
		const cJSON *params = cJSON_GetObjectItemCaseSensitive(d, "parameters");

		if (!is_str(d, "type") || !is_str(d, "name") || (params && !cJSON_IsObject(params)))
			ok = false;
	}
	if (!ok)
		snprintf(why, n, "tool definitions: no array of {type, name, parameters?}");
	cJSON_Delete(arr);
	return ok;
}

/* Checks the content of one fixture's call; counts what it saw. */
static void check_call(const char *dir, const struct genai_call *c, size_t seen[4])
{
	const char *v[4] = { c->input_messages, c->output_messages, c->system_instructions,
			     c->tool_definitions };
	static const char *const what[4] = { "input", "output", "system", "tools" };
	char why[128];
	bool ok;

	for (int i = 0; i < 4; i++) {
		if (!v[i])
			continue;
		seen[i]++;
		why[0] = '\0';
		ok = i < 2  ? messages_ok(v[i], i == 1, why, sizeof(why)) :
		     i == 2 ? system_ok(v[i], why, sizeof(why)) :
			      tool_defs_ok(v[i], why, sizeof(why));
		if (!ASSERT_TRUE(ok, dir))
			printf("%s: %s: %s: %s\n", dir, what[i], why, v[i]);
	}
}

/* Every fixture of provider dir prov that decodes: its content attributes in the schemas. */
static void check_provider(const char *prov, size_t min_seen[4])
{
	char root[512], dir[768];
	size_t seen[4] = { 0 }, decoded = 0;
	struct dirent *e;
	DIR *d;

	snprintf(root, sizeof(root), "%s/providers/%s", getenv("TT_FIXTURES") ?: "tests/fixtures",
		 prov);
	d = opendir(root);
	if (!ASSERT_OK_PTR(d, root))
		return;
	while ((e = readdir(d))) {
		struct genai_call *c;
		struct http_exchange *x;
		struct provider_opts o = { .capture_content = true };
		bool ok;

		if (e->d_name[0] == '.' || !strncmp(e->d_name, "not_", 4) ||
		    !strcmp(e->d_name, "compat_not_llm"))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", prov, e->d_name);
		x = ptest_fixture(dir, &ok);
		c = NULL;
		if (x && ok && !provider_decode(x, &o, &c)) {
			decoded++;
			check_call(dir, c, seen);
		}
		genai_call__free(c);
		http_exchange__free(x);
	}
	closedir(d);
	ASSERT_GE(decoded, 1, prov);
	for (int i = 0; i < 4; i++)
		ASSERT_GE(seen[i], min_seen[i], prov);
}

void test_content_schema(void)
{
	/* how many fixtures of each carry input, output, system instructions, tool definitions */
	static const struct {
		const char *prov;
		size_t min[4];
	} tab[] = {
		{ "openai", { 10, 10, 1, 1 } }, { "anthropic", { 3, 3, 1, 1 } },
		{ "gemini", { 3, 3, 1, 1 } },	{ "ollama", { 2, 2, 0, 1 } },
		{ "cohere", { 2, 2, 0, 1 } },	{ "bedrock", { 4, 4, 1, 1 } },
		{ "generic", { 2, 1, 0, 0 } },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!test__start_subtest(tab[i].prov))
			continue;
		check_provider(tab[i].prov, (size_t *)tab[i].min);
	}
}

/* --content-max: the oldest messages go, whole; the call says which attributes were cut. */
void test_content_max(void)
{
	static const char req[] =
		"{\"model\":\"m\",\"messages\":["
		"{\"role\":\"system\",\"content\":\"be brief\"},"
		"{\"role\":\"user\",\"content\":\"first question, long enough to matter here\"},"
		"{\"role\":\"assistant\",\"content\":\"first answer\"},"
		"{\"role\":\"user\",\"content\":\"second\"}],"
		"\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}";
	static const char resp[] =
		"{\"id\":\"r\",\"choices\":[{\"index\":0,\"finish_reason\":"
		"\"stop\",\"message\":{\"role\":\"assistant\",\"content\":"
		"\"ok\"}}]}";
	static const char last[] =
		"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"second\"}]}]";
	struct provider_opts o = { .capture_content = true, .content_max = 128 };
	struct http_exchange *x;
	struct genai_call *c = NULL;

	x = ptest_exchange("api.openai.com", "/v1/chat/completions", 200, req, strlen(req), resp,
			   strlen(resp), HTTP_BODY_PLAIN);
	if (ASSERT_OK(provider_decode(x, &o, &c), "decode")) {
		ASSERT_STREQ(c->input_messages, last, "only the latest message fits in 128 bytes");
		ASSERT_EQ(c->content_cut, GENAI_CUT_INPUT, "input cut, nothing else");
		ASSERT_TRUE(c->flags & GENAI_F_CONTENT_TRUNCATED, "truncated");
		ASSERT_STREQ(c->tool_definitions, "[{\"type\":\"function\",\"name\":\"f\"}]",
			     "tool definitions fit");
		ASSERT_STREQ(c->output_messages,
			     "[{\"parts\":[{\"type\":\"text\",\"content\":\"ok\"}],"
			     "\"role\":\"assistant\",\"finish_reason\":\"stop\"}]",
			     "output fits");
	}
	genai_call__free(c);
	c = NULL;
	/* the default keeps all four messages */
	o.content_max = 0;
	if (ASSERT_OK(provider_decode(x, &o, &c), "decode, default cap")) {
		ASSERT_EQ(c->content_cut, 0, "nothing cut");
		ASSERT_TRUE(c->input_messages && strstr(c->input_messages, "first question"),
			    "all messages");
	}
	genai_call__free(c);
	http_exchange__free(x);
}

/* The conversation id an agent sends in a header (a UUID only), unless the body names one. */
void test_content_session_header(void)
{
	static const char req[] =
		"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
		"\"hi\"}]}";
	static const char resp[] = "{\"id\":\"r\",\"choices\":[]}";
	static const struct {
		const char *name, *value, *want;
	} tab[] = {
		{ "X-Claude-Code-Session-Id", "0f8fad5b-d9cb-469f-a165-70867728950e",
		  "0f8fad5b-d9cb-469f-a165-70867728950e" },
		{ "session_id", "7C9E6679-7425-40DE-944B-E07FC1F90AE7",
		  "7C9E6679-7425-40DE-944B-E07FC1F90AE7" },
		{ "conversation_id", "0f8fad5b-d9cb-469f-a165-70867728950e",
		  "0f8fad5b-d9cb-469f-a165-70867728950e" },
		/* no UUID: may be a web session's credential */
		{ "session_id", "s3cr3t-cookie-value", NULL },
		{ "session_id", "0f8fad5b-d9cb-469f-a165-70867728950e0", NULL },
		{ "x-session-id", "0f8fad5b-d9cb-469f-a165-70867728950e", NULL },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct http_exchange *x;
		struct genai_call *c = NULL;

		x = ptest_exchange("api.openai.com", "/v1/chat/completions", 200, req, strlen(req),
				   resp, strlen(resp), HTTP_BODY_PLAIN);
		if (!ASSERT_OK_PTR(x, "exchange"))
			return;
		http_headers_add(&x->req.headers, tab[i].name, strlen(tab[i].name), tab[i].value,
				 strlen(tab[i].value));
		if (ASSERT_OK(provider_decode(x, NULL, &c), "decode")) {
			if (tab[i].want)
				ASSERT_STREQ(c->conversation_id, tab[i].want, tab[i].name);
			else
				ASSERT_NULL(c->conversation_id, tab[i].value);
		}
		genai_call__free(c);
		http_exchange__free(x);
	}
}
