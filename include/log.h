/* SPDX-License-Identifier: MIT */
/*
 * log.h: leveled logging to stderr, module-prefixed by the caller. Every message (tt_log,
 * tt_msg, tt_vlog_raw) is escaped in one place before it reaches the terminal or the sink:
 * control characters (C0, DEL, C1) become \n, \t, \r, \xHH, only a final newline stays, so
 * text from traced programs can neither run escape sequences nor forge log lines.
 */
#ifndef TT_LOG_H
#define TT_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tt_log_level {
	TT_LOG_ERROR = 0,
	TT_LOG_WARN = 1,
	TT_LOG_INFO = 2,
	TT_LOG_DEBUG = 3,
};

/*
 * --log-format: TT_LOG_JSON writes each message as one JSON object on a line,
 * {"time":"2026-01-02T03:04:05.678Z","level":"info","module":"conn","msg":"..."}: time in UTC
 * with milliseconds, the level's name, the module prefix ("conn: ...") as a field when there
 * is one, and the message escaped as in text first, then as a JSON string (any byte is safe).
 * Messages without a level (tt_msg) are "error", or "warning" / "info" for "warning: ..." and
 * "stats: ..." lines; libbpf's are "debug". The sink, when set, gets the JSON line.
 */
enum tt_log_format {
	TT_LOG_TEXT = 0,
	TT_LOG_JSON = 1,
};

void tt_log_set_format(enum tt_log_format f);
void tt_log_set_level(enum tt_log_level level);
enum tt_log_level tt_log_get_level(void);
/* Tests capture log lines instead of printing them; NULL restores stderr. */
void tt_log_set_sink(void (*fn)(enum tt_log_level, const char *line, void *ctx), void *ctx);
void tt_log(enum tt_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Another library's messages as they come, unprefixed and uncut (libbpf's end in their own
 * newlines and may be a whole verifier log). Returns what vfprintf does.
 */
int tt_vlog_raw(enum tt_log_level level, const char *fmt, va_list ap);
/*
 * The program's own words, "tracetree-bpf: MSG" with no level name and whatever -v or -q
 * say: the command line's errors and what the user asked for (--stats). The sink gets them
 * as TT_LOG_ERROR.
 */
void tt_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define tt_err(...)   tt_log(TT_LOG_ERROR, __VA_ARGS__)
#define tt_warn(...)  tt_log(TT_LOG_WARN, __VA_ARGS__)
#define tt_info(...)  tt_log(TT_LOG_INFO, __VA_ARGS__)
#define tt_debug(...) tt_log(TT_LOG_DEBUG, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif /* TT_LOG_H */
