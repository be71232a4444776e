/* SPDX-License-Identifier: MIT */
/* doctor.h: `tracetree-bpf doctor`: what can be traced here, and why not. */
#ifndef TT_DOCTOR_H
#define TT_DOCTOR_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * tracetree-bpf doctor [--pid PID]... [PATH]...
 * Prints the kernel capabilities and privileges, the TLS database, and for each process or
 * binary the TLS library found, the tier and offset of each function, and whether both
 * directions are covered (if not: why, and what to do). argv[0] is "doctor". Report on
 * stdout; returns the exit code (0 when everything asked about can be captured, 1 when
 * something cannot, 2 on usage errors).
 */
int doctor_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif /* TT_DOCTOR_H */
