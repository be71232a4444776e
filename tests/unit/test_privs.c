// SPDX-License-Identifier: MIT
/* test_privs.c: whom -- COMMAND runs as (sudo's variables, -u), looked up before the fork. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"
#include "test.h"

static const char *const *fake_env;

/* getenv over fake_env ("NAME=value" strings). */
static char *fake_get(const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; fake_env && fake_env[i]; i++)
		if (!strncmp(fake_env[i], name, n) && fake_env[i][n] == '=')
			return (char *)fake_env[i] + n + 1;
	return NULL;
}

static int resolve(struct privs_user *u, const char *spec, const char *const *env, char *err)
{
	fake_env = env;
	return privs_user_resolve(u, spec, fake_get, err, 256);
}

void test_privs_user_resolve(void)
{
	const char *sudo_nobody[] = { "SUDO_UID=65534", "SUDO_GID=65534", "SUDO_USER=nobody",
				      NULL };
	const char *sudo_root[] = { "SUDO_UID=0", "SUDO_GID=0", "SUDO_USER=root", NULL };
	const char *sudo_odd[] = { "SUDO_UID=77777", "SUDO_GID=88888", NULL };
	const char *sudo_bad[] = { "SUDO_UID=12x", NULL };
	const char *none[] = { NULL };
	struct passwd *pw = getpwnam("nobody");
	struct privs_user u;
	char err[256];

	if (!ASSERT_OK_PTR(pw, "nobody in passwd"))
		return;
	ASSERT_OK(resolve(&u, NULL, none, err), "no sudo, no -u");
	ASSERT_FALSE(u.change, "runs as the tracer");
	if (ASSERT_OK(resolve(&u, "nobody", none, err), "-u nobody")) {
		ASSERT_TRUE(u.change, "switches");
		ASSERT_EQ(u.uid, pw->pw_uid, "uid");
		ASSERT_EQ(u.gid, pw->pw_gid, "gid");
		ASSERT_STREQ(u.name, "nobody", "USER");
		ASSERT_STREQ(u.home, pw->pw_dir, "HOME");
		ASSERT_STREQ(u.shell, pw->pw_shell, "SHELL");
		ASSERT_GE(u.n_groups, 1, "its groups, the primary one included");
		ASSERT_EQ(u.groups[0], pw->pw_gid, "primary group first");
		privs_user_free(&u);
	}
	if (ASSERT_OK(resolve(&u, "#54321", none, err), "-u '#54321', no passwd entry")) {
		ASSERT_TRUE(u.change && u.uid == 54321 && u.gid == 54321, "uid and gid");
		ASSERT_EQ(u.n_groups, 0, "no supplementary groups");
		ASSERT_STREQ(u.name, "", "no name");
		ASSERT_STREQ(u.home, "/", "HOME /");
		privs_user_free(&u);
	}
	ASSERT_EQ(resolve(&u, "no-such-user-tt", none, err), -ENOENT, "unknown user");
	ASSERT_STREQ(err, "no such user 'no-such-user-tt'", "message");
	ASSERT_EQ(resolve(&u, "#12a", none, err), -EINVAL, "malformed #uid");
	ASSERT_EQ(resolve(&u, "#4294967295", none, err), -EINVAL, "(uid_t)-1 is no uid");
	if (geteuid() != 0)
		return; /* sudo's variables count only for a tracer run as root */
	if (ASSERT_OK(resolve(&u, NULL, sudo_nobody, err), "sudo by nobody")) {
		ASSERT_TRUE(u.change && u.uid == 65534 && u.gid == 65534, "its ids");
		ASSERT_STREQ(u.name, "nobody", "SUDO_USER");
		ASSERT_STREQ(u.home, pw->pw_dir, "its HOME");
		privs_user_free(&u);
	}
	if (ASSERT_OK(resolve(&u, "root", sudo_nobody, err), "-u root under sudo")) {
		ASSERT_TRUE(u.change && u.uid == 0, "root, as asked");
		ASSERT_STREQ(u.home, "/root", "root's HOME");
		privs_user_free(&u);
	}
	ASSERT_OK(resolve(&u, NULL, sudo_root, err), "sudo by root");
	ASSERT_FALSE(u.change, "stays root");
	if (ASSERT_OK(resolve(&u, NULL, sudo_odd, err), "SUDO_UID without passwd entry")) {
		ASSERT_TRUE(u.change && u.uid == 77777 && u.gid == 88888, "SUDO_GID kept");
		privs_user_free(&u);
	}
	ASSERT_EQ(resolve(&u, NULL, sudo_bad, err), -EINVAL, "malformed SUDO_UID");
	ASSERT_STREQ(err, "malformed SUDO_UID '12x'", "message");
}
