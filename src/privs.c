// SPDX-License-Identifier: MIT
/*
 * privs.c: the tracer needs root to load and attach its probes, the programs it traces do not.
 * -- COMMAND runs as the user who ran sudo (or -u USER), set up in the child between fork and
 * exec from what was looked up before the fork; once attached, the tracer keeps only the
 * capabilities it still uses and can never gain any back (no_new_privs, bounding set).
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* ---- the user of COMMAND ---- */

static int user_fail(char *err, size_t errlen, int ret, const char *what, const char *v)
{
	snprintf(err, errlen, "%s '%s'", what, v);
	return ret;
}

/* Fills u from uid's passwd entry (name, home, shell, primary gid), if it has one. */
static bool user_from_pw(struct privs_user *u, const struct passwd *pw)
{
	if (!pw)
		return false;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
	snprintf(u->shell, sizeof(u->shell), "%s",
		 pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
	return true;
}

/* A uid or gid in decimal, at most 2^32 - 2 ((uid_t)-1 means "unchanged" to setresuid). */
static int parse_id(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= 0xffffffffUL)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* The supplementary groups of u (its name's, with its gid), as initgroups would set them. */
static int user_groups(struct privs_user *u)
{
	int n = 32;

	u->n_groups = 0;
	if (!u->name[0])
		return 0;
	for (;;) {
		gid_t *g = realloc(u->groups, (size_t)n * sizeof(*g));
		int want = n;

		if (!g)
			return -ENOMEM;
		u->groups = g;
		if (getgrouplist(u->name, u->gid, g, &want) >= 0) {
			u->n_groups = want;
			return 0;
		}
		if (want <= n || want > 65536)
			return -E2BIG;
		n = want;
	}
}

/* -u SPEC: a user name or #uid. */
static int user_by_spec(struct privs_user *u, const char *spec, char *err, size_t errlen)
{
	unsigned int id;

	if (spec[0] == '#') {
		if (parse_id(spec + 1, &id))
			return user_fail(err, errlen, -EINVAL, "invalid --user", spec);
		if (!user_from_pw(u, getpwuid(id))) {
			u->uid = u->gid = id;
			snprintf(u->home, sizeof(u->home), "/");
			snprintf(u->shell, sizeof(u->shell), "/bin/sh");
		}
		return 0;
	}
	if (!user_from_pw(u, getpwnam(spec)))
		return user_fail(err, errlen, -ENOENT, "no such user", spec);
	return 0;
}

/* The user behind sudo: SUDO_UID (SUDO_GID and SUDO_USER when set, else its passwd entry). */
static int user_by_sudo(struct privs_user *u, char *(*get)(const char *), char *err, size_t errlen)
{
	const char *s_uid = get("SUDO_UID"), *s_gid = get("SUDO_GID"), *s_user = get("SUDO_USER");
	unsigned int uid, gid;

	if (parse_id(s_uid, &uid))
		return user_fail(err, errlen, -EINVAL, "malformed SUDO_UID", s_uid);
	if (s_gid && parse_id(s_gid, &gid))
		return user_fail(err, errlen, -EINVAL, "malformed SUDO_GID", s_gid);
	if (!user_from_pw(u, getpwuid(uid))) {
		u->uid = u->gid = uid;
		snprintf(u->home, sizeof(u->home), "/");
		snprintf(u->shell, sizeof(u->shell), "/bin/sh");
	}
	if (s_gid)
		u->gid = gid;
	/* the name sudo saw, for the groups and USER, when it still names this uid */
	if (s_user && *s_user && strlen(s_user) < sizeof(u->name)) {
		struct passwd *pw = getpwnam(s_user);

		if (pw && pw->pw_uid == uid)
			snprintf(u->name, sizeof(u->name), "%s", s_user);
	}
	return 0;
}

int privs_user_resolve(struct privs_user *u, const char *spec, char *(*get)(const char *name),
		       char *err, size_t errlen)
{
	int ret;

	memset(u, 0, sizeof(*u));
	err[0] = '\0';
	if (spec)
		ret = user_by_spec(u, spec, err, errlen);
	else if (geteuid() == 0 && get("SUDO_UID"))
		ret = user_by_sudo(u, get, err, errlen);
	else
		return 0; /* not root, or root without sudo: COMMAND runs as we do */
	if (!ret && !spec && u->uid == 0)
		return 0; /* sudo run by root */
	ret = ret ?: user_groups(u);
	if (ret && !err[0])
		snprintf(err, errlen, "cannot list the groups of '%s': %s", u->name,
			 strerror(-ret));
	if (ret) {
		privs_user_free(u);
		return ret;
	}
	u->change = true;
	return 0;
}

void privs_user_free(struct privs_user *u)
{
	free(u->groups);
	u->groups = NULL;
	u->n_groups = 0;
}

/* After the switch to a user other than root: nothing of root is left or can be got back. */
static int user_check(const struct privs_user *u)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg))
		return -errno;
	if (r != u->uid || e != u->uid || s != u->uid || rg != u->gid || eg != u->gid ||
	    sg != u->gid)
		return -EPERM;
	if (u->uid != 0 && (!setuid(0) || !seteuid(0)))
		return -EPERM;
	return 0;
}

int privs_user_become(const struct privs_user *u)
{
	if (!u->change)
		return 0;
	if (setgroups((size_t)u->n_groups, u->groups) || setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid))
		return -errno;
	if (user_check(u))
		return -EPERM;
	if (setenv("HOME", u->home, 1) || setenv("SHELL", u->shell, 1))
		return -errno;
	if (u->name[0] && (setenv("USER", u->name, 1) || setenv("LOGNAME", u->name, 1)))
		return -errno;
	return 0;
}

/* ---- the tracer's capabilities ---- */

/* The highest capability this kernel knows (CAP_LAST_CAP at build time if it does not say). */
static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v > 0 && v < 64 ? v : CAP_LAST_CAP;
}

uint64_t privs_kept_caps(bool can_kill)
{
	int last = cap_last();
	uint64_t keep;

	/*
	 * Still used once attached: uprobes attached to libraries seen later (perf_event_open of
	 * the uprobe PMU: PERFMON; the BPF link and map updates: BPF), /proc/PID/{maps,exe,root,
	 * task} and perf events of other users' processes (SYS_PTRACE), their executables in
	 * private directories (DAC_READ_SEARCH), /proc/PID/map_files (CHECKPOINT_RESTORE).
	 * Kernels before 5.8/5.9 put the newer three under SYS_ADMIN. SIGCONT to the processes
	 * stopped at exec, whatever their user (KILL), unless holding is off. SYS_ADMIN: the
	 * uprobe PMU's perf_event_open checks capable(CAP_SYS_ADMIN), not PERFMON (the kernel
	 * went back to it in 2025, stable backports included: perf_uprobe_event_init), so every
	 * file probed after the drop needs it (e2e privileges.all_mode_probes_a_new_executable).
	 * tracefs uprobe_events would do without, but only where tracefs stays writable.
	 */
	keep = 1ull << CAP_SYS_PTRACE | 1ull << CAP_DAC_READ_SEARCH;
	if (can_kill)
		keep |= 1ull << CAP_KILL;
	if (last >= CAP_BPF)
		keep |= 1ull << CAP_PERFMON | 1ull << CAP_BPF;
	if (last >= CAP_CHECKPOINT_RESTORE)
		keep |= 1ull << CAP_CHECKPOINT_RESTORE;
	keep |= 1ull << CAP_SYS_ADMIN;
	return keep;
}

/* Keeps keep (of what the thread holds) in this thread's sets, drops the rest; no_new_privs. */
static int drop_to(uint64_t keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int cap, last = cap_last();

	if (geteuid() != 0)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* the bounding set first: dropping from it needs CAP_SETPCAP, which goes last */
	for (cap = 0; cap <= last; cap++)
		if (!(keep & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) &&
		    errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	/* what we hold of them: a container may have withheld some, capset cannot add them */
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	keep &= (uint64_t)data[1].permitted << 32 | data[0].permitted;
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

int privs_drop_caps(bool can_kill)
{
	return drop_to(privs_kept_caps(can_kill));
}

int privs_drop_thread_caps(void)
{
	return drop_to(0);
}

int privs_drop_caps_to(uint64_t keep)
{
	return drop_to(keep);
}
