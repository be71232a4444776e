// SPDX-License-Identifier: MIT
/* test_cgroup.c: container.id, runtime and k8s.pod.uid from /proc/PID/cgroup texts. */
#include <string.h>

#include "cgroup.h"
#include "test.h"

#define ID   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID  "7f1a3c2e-5b4d-4e6f-8a9b-0c1d2e3f4a5b"
#define UID_ "7f1a3c2e_5b4d_4e6f_8a9b_0c1d2e3f4a5b"

static bool check(const char *text, int ret, const char *id, const char *rt, const char *uid,
		  const char *name)
{
	struct cgroup_info ci;
	bool ok;

	test__start_subtest(name);
	ok = ASSERT_EQ(cgroup_parse(text, strlen(text), &ci), ret, name);
	ok = ASSERT_STREQ(ci.container_id, id, name) && ok;
	ok = ASSERT_STREQ(ci.runtime, rt, name) && ok;
	return ASSERT_STREQ(ci.pod_uid, uid, name) && ok;
}

void test_cgroup_runtimes(void)
{
	check("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	      ".slice/cri-containerd-" ID ".scope\n",
	      1, ID, "containerd", UID, "k8s systemd containerd");
	check("0::/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope\n", 1, ID, "cri-o",
	      UID, "k8s guaranteed cri-o");
	check("12:memory:/kubepods/burstable/pod" UID "/" ID
	      "\n"
	      "11:cpu,cpuacct:/kubepods/burstable/pod" UID "/" ID "\n",
	      1, ID, "", UID, "k8s cgroupfs v1");
	check("0::/system.slice/docker-" ID ".scope\n", 1, ID, "docker", "", "docker systemd");
	check("0::/docker/" ID "\n", 1, ID, "docker", "", "docker cgroupfs");
	check("0::/machine.slice/libpod-" ID ".scope/container\n", 1, ID, "podman", "",
	      "podman, the process in the scope's container child");
	check("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope\n",
	      1, ID, "podman", "", "rootless podman");
}

void test_cgroup_not_containers(void)
{
	check("0::/user.slice/user-0.slice/session-3.scope\n", 0, "", "", "", "a login session");
	check("0::/\n", 0, "", "", "", "the root cgroup");
	check("0::/machine.slice/libpod-conmon-" ID ".scope\n", 0, "", "", "",
	      "podman's monitor is not the container");
	check("0::/system.slice/crio-conmon-" ID ".scope\n", 0, "", "", "", "nor CRI-O's");
	check("0::/system.slice/docker-" ID ".service\n", 0, "", "", "", "a service, not a scope");
	check("0::/system.slice/docker-0123.scope\n", 0, "", "", "", "a short id");
	check("0::/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n", 0,
	      "", "", "", "upper case is no runtime's id");
	check("0::/pod" UID "/x\n", 0, "", "", "", "a pod name outside kubepods");
	check("0::/kubepods.slice/kubepods-pod7f1a3c2e_5b4d_4e6f_8a9b_0c1d2e3f4a5z.slice\n", 0, "",
	      "", "", "not a uid");
	check("", 0, "", "", "", "empty");
	check("garbage without colons\n::\n0:\n", 0, "", "", "", "no path");
}

void test_cgroup_choice(void)
{
	check("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice\n",
	      1, "", "", UID, "a pod's own slice: the pod, no container");
	check("0::/system.slice/docker-" ID ".scope/kubepods/besteffort/pod" UID "/" ID2 "\n", 1,
	      ID2, "", UID, "the innermost container (kind: k8s inside docker)");
	check("1:name=systemd:/user.slice\n0::/docker/" ID "\n", 1, ID, "docker", "",
	      "the unified line is the one");
	check("3:cpu:/docker/" ID "\n2:memory:/docker/" ID2 "\n0::/\n", 1, ID, "docker", "",
	      "else the first v1 line with a container");
	check("0::/docker/" ID, 1, ID, "docker", "", "no final newline");
	check("0::/a:b/docker/" ID "\n", 1, ID, "docker", "", "a ':' in the path");
}

void test_cgroup_bounds(void)
{
	/* a text that is not NUL-terminated, cut anywhere: never read past len */
	static const char text[] = "0::/kubepods.slice/kubepods-pod" UID_
				   ".slice/cri-containerd-" ID ".scope";
	struct cgroup_info ci;
	size_t cut;
	void *g;

	for (cut = 0; cut <= sizeof(text) - 1; cut++) {
		g = test__guarded(text, cut);
		if (!ASSERT_TRUE(g, "guarded copy"))
			return;
		cgroup_parse(g, cut, &ci);
		test__guarded_free(g);
	}
	ASSERT_STREQ(ci.container_id, ID, "whole");
	ASSERT_STREQ(ci.pod_uid, UID, "whole: the pod");
}
