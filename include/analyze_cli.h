/* SPDX-License-Identifier: MIT */
/* analyze_cli.h: the analyze subcommand (findings and run reports from an OTLP JSON Lines file). */
#ifndef TT_ANALYZE_CLI_H
#define TT_ANALYZE_CLI_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * tracetree-bpf analyze TRACE.jsonl [--format text|json] [--baseline B.jsonl] [thresholds]
 * argv[0] is "analyze". Needs no privileges. Returns the exit code: 0 without findings, 1 with
 * findings, 2 on usage or read errors.
 */
int analyze_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif /* TT_ANALYZE_CLI_H */
