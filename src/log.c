// SPDX-License-Identifier: MIT
/* log.c: leveled logging to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "jsonstr.h"
#include "log.h"

static enum tt_log_level log_level = TT_LOG_WARN;
static enum tt_log_format log_format = TT_LOG_TEXT;
static void (*log_sink)(enum tt_log_level, const char *, void *);
static void *log_sink_ctx;

void tt_log_set_format(enum tt_log_format f)
{
	log_format = f;
}

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

static const char *const level_names[] = { "error", "warning", "info", "debug" };

/* The length of a "module: " prefix of line (lowercase word, colon, space), or 0. */
static size_t log_module_len(const char *line)
{
	size_t n = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n && n <= 32 && line[n] == ':' && line[n + 1] == ' ' ? n : 0;
}

/*
 * One JSON object for line (escaped already: it holds no control character but a final
 * newline). word is the level's name, NULL for tt_msg: its level comes from its prefix.
 */
static int log_json(struct tt_buf *b, enum tt_log_level level, const char *word, const char *line)
{
	size_t n = strlen(line), mod = log_module_len(line);
	bool warning = mod == 7 && !strncmp(line, "warning", 7);
	struct timespec ts;
	struct tm tm;
	char when[32];
	int err;

	if (n && line[n - 1] == '\n')
		n--;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	if (!word && warning)
		word = level_names[TT_LOG_WARN];
	else if (!word)
		word = mod == 5 && !strncmp(line, "stats", 5) ? level_names[TT_LOG_INFO] :
								level_names[level];
	err = tt_buf_printf(b, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\"", when,
			    ts.tv_nsec / 1000000, word);
	if (mod && !warning) {
		err = err ?: tt_buf_addstr(b, ",\"module\":\"");
		err = err ?: jsonstr_escape(b, line, mod, 0);
		err = err ?: tt_buf_addc(b, '"');
	}
	if (mod)
		line += mod + 2, n -= mod + 2;
	err = err ?: tt_buf_addstr(b, ",\"msg\":\"");
	err = err ?: jsonstr_escape(b, line, n, 0);
	return err ?: tt_buf_addstr(b, "\"}\n");
}

/* line as a JSON object to the sink or stderr; false when it could not be built. */
static bool log_emit_json(enum tt_log_level level, const char *word, const char *line)
{
	struct tt_buf b;
	bool ok;

	tt_buf_init(&b, strlen(line) * 2 + 256);
	ok = !log_json(&b, level, word, line) && tt_buf_cstr(&b);
	if (ok && log_sink)
		log_sink(level, (const char *)b.data, log_sink_ctx);
	else if (ok)
		fputs((const char *)b.data, stderr);
	tt_buf_free(&b);
	return ok;
}

static void log_line(enum tt_log_level level, const char *word, const char *fmt, va_list ap)
{
	char raw[1024], line[4096];
	size_t len;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_escape(raw, line, sizeof(line));
	if (log_format == TT_LOG_JSON && log_emit_json(level, word, line))
		return;
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
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_line(level, level_names[level], fmt, ap);
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
		if (log_format != TT_LOG_JSON || !log_emit_json(level, level_names[level], line)) {
			if (log_sink)
				log_sink(level, line, log_sink_ctx);
			else
				fputs(line, stderr);
		}
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
