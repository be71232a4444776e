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
/*
 * A message as it may reach a terminal: control characters (C0, DEL, and C1 in UTF-8) from
 * traced programs (paths, command lines, server messages) become \n, \t, \xHH, so that no
 * escape sequence runs and no line is forged. Only a final newline stays. The one place every
 * message passes. out holds at most cap - 1 bytes and a NUL (cut, never mid-escape).
 */
static void log_escape(const char *in, char *out, size_t cap)
{
	static const char hexd[] = "0123456789abcdef";
	size_t w = 0;
	unsigned char c;
	char e[5];
	int n;

	for (; *in && w + 1 < cap; in++) {
		c = (unsigned char)*in;
		if (c == '\n' && !in[1]) {
			n = 1, e[0] = '\n';
		} else if (c == '\n' || c == '\t' || c == '\r') {
			n = 2, e[0] = '\\', e[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c < 0x20 || c == 0x7f ||
			   (c == 0xc2 && (unsigned char)in[1] >= 0x80 &&
			    (unsigned char)in[1] < 0xa0)) {
			if (c == 0xc2)
				c = (unsigned char)*++in;
			n = 4, e[0] = '\\', e[1] = 'x', e[2] = hexd[c >> 4], e[3] = hexd[c & 15];
		} else {
			n = 1, e[0] = (char)c;
		}
		if (w + (size_t)n + 1 > cap)
			break;
		memcpy(out + w, e, (size_t)n);
		w += (size_t)n;
	}
	out[w] = '\0';
}

static void log_line(enum tt_log_level level, const char *word, const char *fmt, va_list ap)
{
	char raw[1024], line[4096];
	size_t len;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_escape(raw, line, sizeof(line));
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
	char *raw, *line;
	size_t cap;
	int n;

	if (level > log_level)
		return 0;
	n = vasprintf(&raw, fmt, ap);
	if (n < 0)
		return n;
	cap = (size_t)n * 4 + 1;
	line = malloc(cap);
	if (line) {
		log_escape(raw, line, cap);
		if (log_sink)
			log_sink(level, line, log_sink_ctx);
		else
			fputs(line, stderr);
		free(line);
	}
	free(raw);
	return n;
}

void tt_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(TT_LOG_ERROR, NULL, fmt, ap);
	va_end(ap);
}
