// SPDX-License-Identifier: MIT
/* test_launch.c: finding COMMAND on PATH, and a command held until released. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "privs.h"
#include "test.h"

void test_launch_resolve(void)
{
	char out[256], file[64], path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s:/bin", test__absent_path("bin"));
	ASSERT_OK(launch_resolve("sh", path, out, sizeof(out)), "on PATH");
	ASSERT_STREQ(out, "/bin/sh", "first executable along PATH");
	ASSERT_OK(launch_resolve("sh", NULL, out, sizeof(out)), "execvp's default PATH");
	ASSERT_TRUE(strlen(out) > 3 && !strcmp(out + strlen(out) - 3, "/sh"), "found sh");
	ASSERT_OK(launch_resolve("/bin/sh", test__absent_path("bin"), out, sizeof(out)), "a path");
	ASSERT_STREQ(out, "/bin/sh", "a path is taken as is");
	ASSERT_EQ(launch_resolve("no-such-command-tt", "/bin:/usr/bin", out, sizeof(out)), -ENOENT,
		  "not on PATH");
	ASSERT_EQ(launch_resolve("sh", "", out, sizeof(out)), -ENOENT, "empty PATH");
	ASSERT_EQ(launch_resolve("./no-such-command-tt", NULL, out, sizeof(out)), -ENOENT,
		  "a path that is not there");
	snprintf(file, sizeof(file), "/tmp/tt-test-resolve-%d", getpid());
	f = fopen(file, "w");
	if (!ASSERT_OK_PTR(f, "plain file"))
		return;
	fclose(f);
	ASSERT_ERR(launch_resolve(file, NULL, out, sizeof(out)), "a file that is not executable");
	unlink(file);
}

/* Releases l (or not) and waits up to 10 s for its exit status. */
static int run_to_end(struct launch *l, bool go)
{
	int i;

	if (go && !ASSERT_OK(launch__go(l), "go"))
		return -1;
	if (!go)
		launch__abort(l);
	for (i = 0; i < 1000 && !launch__exited(l); i++)
		usleep(10000);
	return ASSERT_TRUE(l->done, "exited") ? launch__exit_code(l) : -1;
}

void test_launch_exit_status(void)
{
	char *three[] = { "sh", "-c", "exit 3", NULL };
	char *killed[] = { "sh", "-c", "kill -TERM $$", NULL };
	char *missing[] = { (char *)test__absent_path("no-such-command-tt"), NULL };
	struct launch l = LAUNCH_INIT;

	ASSERT_EQ(launch__exit_code(&l), 0, "nothing ran yet");
	if (!ASSERT_OK(launch__start(&l, three, NULL), "start"))
		return;
	ASSERT_FALSE(launch__exited(&l), "held until released");
	ASSERT_EQ(run_to_end(&l, true), 3, "its exit status");
	l = (struct launch)LAUNCH_INIT;
	if (ASSERT_OK(launch__start(&l, killed, NULL), "start"))
		ASSERT_EQ(run_to_end(&l, true), 128 + 15, "128 + the signal");
	l = (struct launch)LAUNCH_INIT;
	if (ASSERT_OK(launch__start(&l, missing, NULL), "start"))
		ASSERT_EQ(run_to_end(&l, true), 127, "cannot run");
}

void test_launch_abort(void)
{
	struct launch l = LAUNCH_INIT;
	char path[64], cmd[128];
	char *argv[] = { "sh", "-c", cmd, NULL };

	snprintf(path, sizeof(path), "/tmp/tt-test-launch-%d", getpid());
	snprintf(cmd, sizeof(cmd), "touch %s", path);
	unlink(path);
	if (!ASSERT_OK(launch__start(&l, argv, NULL), "start"))
		return;
	ASSERT_EQ(run_to_end(&l, false), 127, "given up: exits 127");
	ASSERT_TRUE(access(path, F_OK) && errno == ENOENT, "without running");
	ASSERT_EQ(launch__go(&l), -EBADF, "nothing left to release");
	unlink(path);
}

/* As root: the command runs as the user asked for, with its environment, and nothing of root. */
void test_launch_as_user(void)
{
	char *check[] = {
		"sh", "-c",
		"[ \"$(id -u):$(id -g):$(id -G):$USER:$LOGNAME:$HOME\" = "
		"\"65534:65534:65534:nobody:nobody:/nonexistent\" ] || exit 9; "
		"grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/self/status || exit 8",
		NULL
	};
	struct privs_user u;
	struct launch l = LAUNCH_INIT;
	char err[256];

	if (geteuid() != 0)
		return; /* only root can switch users */
	if (!ASSERT_OK(privs_user_resolve(&u, "nobody", getenv, err, sizeof(err)), "nobody"))
		return;
	/* fixed ids and HOME, whatever this system's passwd says of nobody */
	u.n_groups = 1;
	u.groups[0] = 65534;
	u.gid = 65534;
	snprintf(u.home, sizeof(u.home), "/nonexistent");
	if (ASSERT_OK(launch__start(&l, check, &u), "start"))
		ASSERT_EQ(run_to_end(&l, true), 0,
			  "uid, gid, groups, USER, LOGNAME, HOME, no caps");
	privs_user_free(&u);
}
