/* SPDX-License-Identifier: MIT */
/* privs.h: who -- COMMAND runs as, and the capabilities the tracer keeps once attached. */
#ifndef TT_PRIVS_H
#define TT_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TT_PRIVS_NAME_LEN 64
#define TT_PRIVS_PATH_LEN 256

/* A user to run COMMAND as, resolved before the fork (no lookups in the child). */
struct privs_user {
	bool change; /* false: COMMAND keeps the tracer's identity and environment */
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups (getgrouplist), owned */
	int n_groups;
	char name[TT_PRIVS_NAME_LEN]; /* USER, LOGNAME; "" when the uid has no passwd entry */
	char home[TT_PRIVS_PATH_LEN]; /* HOME; "/" without a passwd entry */
	char shell[TT_PRIVS_PATH_LEN];
};

/*
 * Who COMMAND runs as, as sudo -u would set it up: spec (-u: a name or #uid) when given, else
 * the user who ran sudo (SUDO_UID, SUDO_GID, SUDO_USER read through get) when the tracer runs
 * as root, else nobody else (change false). A #uid with no passwd entry gets the gid of the
 * same number and no supplementary groups. 0, or -errno with a message in err (unknown user,
 * malformed SUDO_UID).
 */
int privs_user_resolve(struct privs_user *u, const char *spec, char *(*get)(const char *name),
		       char *err, size_t errlen);
void privs_user_free(struct privs_user *u);
/*
 * In the child, between fork and exec: the groups, gid and uid of u, checked (it cannot get
 * root back), and HOME, USER, LOGNAME and SHELL set. 0 or -errno (the child must not exec).
 */
int privs_user_become(const struct privs_user *u);

/*
 * The capabilities the tracer keeps once its probes are attached (TT_PRIVS_KEEP in privs.c,
 * documented in README "Privileges"): everything else goes from the effective, permitted,
 * inheritable, ambient and bounding sets, and no_new_privs is set. can_kill keeps CAP_KILL (to
 * continue the processes held at exec). 0 or -errno; a no-op (0) when the tracer is not root.
 */
int privs_drop_caps(bool can_kill);
/*
 * Capabilities are a thread's: privs_drop_caps() changes the calling thread and the threads it
 * starts afterwards. A thread started before that needs none (the OTLP sender) calls this first:
 * it drops every capability of the calling thread and sets no_new_privs. 0 or -errno; a no-op
 * when the tracer is not root.
 */
int privs_drop_thread_caps(void);
/* The same with the set keep (1 << CAP_X bits) for a process of its own (the hold watchdog). */
int privs_drop_caps_to(uint64_t keep);
/* The effective set privs_drop_caps() leaves on this kernel, as /proc/PID/status shows it. */
uint64_t privs_kept_caps(bool can_kill);

#ifdef __cplusplus
}
#endif
#endif /* TT_PRIVS_H */
