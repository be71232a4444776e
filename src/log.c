// SPDX-License-Identifier: MIT
/* log.c: leveled logging to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static enum tt_log_level log_level = TT_LOG_WARN;
static void (*log_sink)(enum tt_log_level, const char *, void *);
static void *log_sink_ctx;

void tt_log_set_level(enum tt_log_level level)
{
	log_level = level;
}

enum tt_log_level tt_log_get_level(void)
{
	return log_level;
}

void tt_log_set_sink(void (*fn)(enum tt_log_level, const char *, void *), void *ctx)
{
	log_sink = fn;
	log_sink_ctx = ctx;
}

/* One line to the sink or stderr; word is the level's name, or NULL for the program's own. */
static void log_line(enum tt_log_level level, const char *word, const char *fmt, va_list ap)
{
	char line[1024];
	size_t len;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_sink) {
		log_sink(level, line, log_sink_ctx);
		return;
	}
	len = strlen(line);
	fprintf(stderr, "tracetree-bpf: %s%s%s%s", word ? word : "", word ? ": " : "", line,
		len && line[len - 1] == '\n' ? "" : "\n");
}

void tt_log(enum tt_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_line(level, names[level], fmt, ap);
	va_end(ap);
}

int tt_vlog_raw(enum tt_log_level level, const char *fmt, va_list ap)
{
	char *line;
	int n;

	if (level > log_level)
		return 0;
	if (!log_sink)
		return vfprintf(stderr, fmt, ap);
	n = vasprintf(&line, fmt, ap);
	if (n < 0)
		return n;
	log_sink(level, line, log_sink_ctx);
	free(line);
	return n;
}

void tt_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(TT_LOG_ERROR, NULL, fmt, ap);
	va_end(ap);
}
