/* SPDX-License-Identifier: MIT */
/* tt_parse.h: the return contract the byte parsers share (http1, http2, tlshello). */
#ifndef TT_PARSE_H
#define TT_PARSE_H

/* Parsers return bytes consumed (> 0), TT_NEED_MORE, or a negative errno. */
#define TT_NEED_MORE 0

#endif /* TT_PARSE_H */
