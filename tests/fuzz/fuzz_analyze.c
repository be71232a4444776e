// SPDX-License-Identifier: MIT
/* fuzz_analyze.c: any bytes as OTLP JSON Lines read back, then every trace analysed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "trace_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analyze_opts o = ANALYZE_OPTS_INIT;
	struct trace_model m = { 0 };
	struct findings f = { 0 };
	size_t i, end, k;
	char err[128], *j;

	/* a low threshold reaches every kind's report path on small inputs */
	o.runaway_repeats = 2;
	o.runaway_stale = 1;
	o.retry_errors = 1;
	o.latency_min_ms = 0;
	trace_model__read_buf(&m, (const char *)data, size, err, sizeof(err));
	if (trace_model__group(&m))
		goto out;
	/* the live path's private record: argument shapes, the offer as the definitions */
	for (i = 0; i < m.n; i++) {
		const char *a = attrs_get_str(&m.spans[i]->attrs, "gen_ai.tool.call.arguments");
		const char *d = attrs_get_str(&m.spans[i]->attrs, "gen_ai.tool.definitions");

		m.spans[i]->tool_args_shape = analyze_args_shape(a);
		m.spans[i]->tool_offer = d && i % 2 ? strdup(d) : NULL;
	}
	for (i = 0; i < m.n; i = end) {
		end = trace_model_trace_end(&m, i);
		if (end <= i || end > m.n)
			__builtin_trap();
		if (analyze_handoffs(m.spans + i, end - i) ||
		    analyze_trace(m.spans + i, end - i, &o, &f))
			break;
	}
	for (k = 0; k < f.n; k++) {
		j = finding_json(&f.v[k]);
		if (!j || !memchr(f.v[k].summary, '\0', sizeof(f.v[k].summary)))
			__builtin_trap();
		free(j);
	}
	findings_attach(&f);
out:
	findings_free(&f);
	trace_model__free(&m);
	return 0;
}
