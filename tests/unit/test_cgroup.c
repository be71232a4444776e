// SPDX-License-Identifier: MIT
/* test_cgroup.c: container.id, runtime and k8s.pod.uid from /proc/PID/cgroup texts. */
#include <errno.h>
#include <stdlib.h>
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

#define OCI_CONTAINERD "oci/run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID "/config.json"
#define OCI_CRIO       "oci/var/run/containers/storage/overlay-containers/" ID2 "/userdata/config.json"

static void oci_check(const char *rel, const char *pod, const char *ns, const char *ctr,
		      const char *uid)
{
	struct cgroup_k8s k;
	unsigned char *text;
	size_t len;

	test__start_subtest(rel);
	text = test__read_fixture(rel, &len);
	if (!ASSERT_OK_PTR(text, "fixture"))
		return;
	ASSERT_EQ(cgroup_oci_parse((const char *)text, len, &k), 1, "found");
	ASSERT_STREQ(k.pod_name, pod, "k8s.pod.name");
	ASSERT_STREQ(k.pod_namespace, ns, "k8s.namespace.name");
	ASSERT_STREQ(k.container_name, ctr, "k8s.container.name");
	ASSERT_STREQ(k.pod_uid, uid, "k8s.pod.uid");
	free(text);
}

void test_cgroup_oci(void)
{
	struct cgroup_k8s k;
	static const char long_uid[] =
		"{\"annotations\":{\"io.kubernetes.pod.name\":\"p\","
		"\"io.kubernetes.pod.uid\":\"" UID "0\"}}";
	static const char ctl[] =
		"{\"annotations\":{\"io.kubernetes.pod.name\":\"p\\u0001od\\n\","
		"\"io.kubernetes.pod.namespace\":5}}";

	oci_check(OCI_CONTAINERD, "agent-7d9f8c6b5-x2x9q", "ai-agents", "agent", UID);
	oci_check(OCI_CRIO, "coder-0", "default", "coder", "2b6c3d4e-1f20-4a3b-9c8d-7e6f5a4b3c2d");
	ASSERT_EQ(cgroup_oci_parse("{\"annotations\":{}}", 18, &k), 0, "no annotations");
	ASSERT_STREQ(k.container_name, "", "none: empty");
	ASSERT_EQ(cgroup_oci_parse("[1]", 3, &k), -EBADMSG, "not an object");
	ASSERT_EQ(cgroup_oci_parse("{\"a\":", 5, &k), -EBADMSG, "cut");
	ASSERT_EQ(cgroup_oci_parse(long_uid, strlen(long_uid), &k), 1, "long uid");
	ASSERT_STREQ(k.pod_uid, "", "a uid one digit too long is none");
	ASSERT_EQ(cgroup_oci_parse(ctl, strlen(ctl), &k), 1, "control characters");
	ASSERT_STREQ(k.pod_name, "pod", "control characters dropped");
	ASSERT_STREQ(k.pod_namespace, "", "a number is no name");
}

void test_cgroup_clean_name(void)
{
	char out[8];

	ASSERT_EQ(cgroup_clean_name(out, sizeof(out), "svc", 3), 3, "plain");
	ASSERT_STREQ(out, "svc", "plain");
	ASSERT_EQ(cgroup_clean_name(out, sizeof(out), "a\x1b[2Jb\x7f", 7), 5, "controls");
	ASSERT_STREQ(out, "a[2Jb", "controls dropped");
	ASSERT_EQ(cgroup_clean_name(out, sizeof(out), "abcdefghij", 10), 7, "cut");
	ASSERT_STREQ(out, "abcdefg", "cut to the room");
	/* "abcde" then e-acute (2 bytes) fits 7; then the euro sign (3 bytes) does not */
	ASSERT_EQ(cgroup_clean_name(out, sizeof(out), "abcde\xc3\xa9x", 8), 7, "whole character");
	ASSERT_STREQ(out, "abcde\xc3\xa9", "a whole character kept");
	ASSERT_EQ(cgroup_clean_name(out, sizeof(out), "abcdef\xe2\x82\xac", 9), 6, "cut character");
	ASSERT_STREQ(out, "abcdef", "no half character");
	ASSERT_EQ(cgroup_clean_name(out, sizeof(out), "ab\0cd", 5), 4, "NUL is a control");
	ASSERT_EQ(cgroup_clean_name(out, 0, "ab", 2), 0, "no room");
}
