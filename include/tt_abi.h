/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* tt_abi.h: the records the BPF programs send to user space (and capture files store). */
#ifndef TT_ABI_H
#define TT_ABI_H

/*
 * Shared by bpf/ (where vmlinux.h provides the __uN types) and user space (linux/types.h).
 * Every struct is naturally aligned with explicit padding, so its layout is the same in both
 * compilers; tests/unit/test_abi.c compares it with the BTF of the built BPF object.
 * Bump TT_ABI_VERSION on any change to an existing record: capture files carry it. Record
 * types are only ever appended (a new type leaves older captures valid as they are).
 */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TT_ABI_VERSION 1
#define TT_COMM_LEN    16
#define TT_CHUNK       16384 /* payload bytes per data record, power of two */
#define TT_MAX_CHUNKS  4096  /* chunks per call: TT_CHUNK * TT_MAX_CHUNKS = 64 MiB max cap */
#define TT_PATH_MAX    256   /* exec filename bytes kept */
#define TT_ARGS_MAX    4096  /* exec argv bytes kept (NUL-separated) */
/*
 * A call longer than the cap goes out as its head and its last TT_CALL_TAIL bytes (a quarter of
 * the cap when that is less), each run at its own stream position: an API request writes keys
 * after its largest array ("model" after "messages"), so the end of a body says what its
 * middle cannot.
 */
#define TT_CALL_TAIL (1u << 20)

enum tt_rec_type {
	TT_REC_DATA = 1,       /* struct tt_data: TLS plaintext chunk */
	TT_REC_FORK = 2,       /* struct tt_fork: new process (not thread) */
	TT_REC_EXEC = 3,       /* struct tt_exec: execve done, path and argv */
	TT_REC_EXIT = 4,       /* struct tt_exit: last thread of a process exited */
	TT_REC_CLOSE = 5,      /* struct tt_conn_ev: SSL_free */
	TT_REC_SSL_FD = 6,     /* struct tt_conn_ev: socket fd seen inside an SSL call */
	TT_REC_CONNECT = 7,    /* struct tt_connect: connect() on a socket of a traced process */
	TT_REC_LIBOPEN = 8,    /* struct tt_libopen: a traced process opened a TLS library */
	TT_REC_SOCK = 9,       /* struct tt_sock: a TCP socket turned out to carry plaintext HTTP */
	TT_REC_TLS_HELLO = 10, /* struct tt_tls_hello: a socket's first write is a ClientHello */
	TT_REC_TLS_CLOSE = 11, /* struct tt_tls_close: end of such a socket, with byte counts */
	TT_REC_AEAD_BIND =
		12,	   /* struct tt_aead_bind: sealed plaintext of a thread meets its socket */
	TT_REC_IDENT = 13, /* struct tt_ident: where a process runs (user space made it) */
	TT_REC_MAX,
};

enum tt_dir {
	TT_DIR_WRITE = 0, /* plaintext the process sent (request, for a client) */
	TT_DIR_READ = 1,  /* plaintext the process received */
};

enum tt_data_flags {
	TT_DF_TRUNCATED = 1 << 0, /* call longer than the per-call cap: its middle is lost */
	TT_DF_FIRST = 1 << 1,	  /* first chunk of the call */
	TT_DF_LAST = 1 << 2,	  /* last chunk emitted for the call */
};

enum tt_src {
	TT_SRC_SSL = 0,	   /* SSL_write / SSL_read */
	TT_SRC_SSL_EX = 1, /* SSL_write_ex / SSL_read_ex */
	TT_SRC_GNUTLS = 2, /* gnutls_record_send / gnutls_record_recv */
	TT_SRC_NSS = 3,	   /* NSPR PR_Write / PR_Read / PR_Send / PR_Recv on an SSL layer */
	TT_SRC_GOTLS = 4,  /* Go crypto/tls (*Conn).Write / (*Conn).Read; conn = *tls.Conn */
	TT_SRC_SOCK = 5,   /* socket syscalls on plaintext TCP; conn = TT_CONN_SOCK | inode */
	TT_SRC_AEAD = 6,   /* TLS records sealed / opened by an AEAD (rustls over aws-lc) */
};

/*
 * The library behind the OpenSSL API a TT_SRC_SSL/TT_SRC_SSL_EX record was read through (the
 * SSL_* functions, ssl_*_internal or the record layer): OpenSSL, BoringSSL and LibreSSL share
 * the API, the probe knows which file it is in. The loader puts it in bits 32-39 of the probe's
 * attach cookie (include/tls_lib.h); 0 where not known (then the API's name: openssl).
 */
enum tt_lib {
	TT_LIB_UNKNOWN = 0,
	TT_LIB_OPENSSL = 1,
	TT_LIB_BORINGSSL = 2,
	TT_LIB_LIBRESSL = 3,
	TT_LIB_AWSLC = 4,
	TT_LIB_MAX,
};

/*
 * Connection key of a plaintext socket: its sockfs inode number with the top bit set. User
 * pointers (SSL*, *tls.Conn) never have it, so the keys of both kinds never meet.
 */
#define TT_CONN_SOCK (1ULL << 63)

/*
 * Plaintext captured at the record cipher (TT_SRC_AEAD, bpf/tls.bpf.c): records opened are
 * keyed by the socket the thread read last, TT_CONN_AEAD | its inode. Records sealed come
 * before the socket write that sends them, so they are keyed TT_CONN_PEND | tid, at positions
 * counted from the thread's previous socket write, until a tt_aead_bind names their socket.
 */
#define TT_CONN_AEAD (1ULL << 62)
#define TT_CONN_PEND (1ULL << 61)

/* Common header of every record. ts_ns is CLOCK_BOOTTIME (bpf_ktime_get_boot_ns). */
struct tt_hdr {
	__u16 type; /* enum tt_rec_type */
	__u16 abi;  /* TT_ABI_VERSION */
	__u32 size; /* whole record, header included */
	__u64 ts_ns;
	__u32 pid; /* tgid */
	__u32 tid;
	char comm[TT_COMM_LEN];
};

struct tt_data {
	struct tt_hdr h;
	__u64 conn;	/* SSL* in the process: with pid, the connection key */
	__u64 pos;	/* byte position of data[0] in this direction's stream */
	__u32 call_len; /* bytes the call moved (its return value) */
	__u32 len;	/* bytes in data[] */
	__u8 dir;	/* enum tt_dir */
	__u8 flags;	/* enum tt_data_flags */
	__u8 src;	/* enum tt_src */
	__u8 lib;	/* enum tt_lib: whose SSL_* API (0 in older captures: unknown) */
	__s32 fd;	/* socket fd if known, else -1 */
	__u8 data[];
};

struct tt_fork {
	struct tt_hdr h; /* h.pid = child tgid, h.tid = child pid */
	__u32 ppid;	 /* parent tgid */
	/*
	 * The child's pid in its own pid namespace (0: unknown, as in older captures: it was
	 * padding, so the ABI version stands). A fork that never execs has no TT_REC_IDENT.
	 */
	__u32 vpid;
	__u64 start_ns; /* child start time (boot ns): with pid, the process identity */
};

struct tt_exec {
	struct tt_hdr h;
	__u32 ppid;
	__u32 old_pid; /* pid before exec (differs when a thread execs) */
	__u64 start_ns;
	__u64 ino; /* inode of the new executable */
	__u32 dev;
	__u16 path_len;	 /* bytes in path[], no NUL */
	__u16 args_len;	 /* bytes in args[], NUL-separated */
	__u32 args_full; /* argv bytes the process has (> args_len when cut) */
	__u32 flags;	 /* enum tt_exec_flags (0 in captures older than the flags) */
	char path[TT_PATH_MAX];
	char args[TT_ARGS_MAX];
};

enum tt_exec_flags {
	TT_EXEC_HELD = 1, /* stopped at exec until its file is probed: see struct tt_hold */
};

struct tt_exit {
	struct tt_hdr h;
	__u32 ppid;
	__s32 exit_code; /* wait status: (code << 8) | signal */
	__u64 start_ns;
};

struct tt_conn_ev {
	struct tt_hdr h;
	__u64 conn;
	__s32 fd;
	__u32 pad0;
};

struct tt_connect {
	struct tt_hdr h;
	__s32 fd;
	__u16 family;  /* AF_INET / AF_INET6 */
	__u16 port;    /* host byte order */
	__u8 addr[16]; /* IPv4 in the first 4 bytes */
};

struct tt_libopen {
	struct tt_hdr h;
	__u16 path_len; /* bytes in path[], no NUL */
	__u16 flags;	/* enum tt_libopen_flags (0 in captures older than the flags) */
	__s32 fd;	/* with TT_LIBOPEN_HELD: the file's descriptor (open while stopped) */
	char path[TT_PATH_MAX]; /* as passed to openat (relative to the process's root/cwd) */
};

enum tt_libopen_flags {
	TT_LIBOPEN_HELD = 1, /* stopped as openat returned until the file is probed: tt_hold */
};

/*
 * Addresses of a plaintext TCP socket, read from the kernel's socket when its first bytes are
 * captured: covers connect(), accept() with or without an address, and sockets opened before
 * tracing began. IPv4-mapped IPv6 addresses are reported as AF_INET.
 */
struct tt_sock {
	struct tt_hdr h;
	__u64 conn; /* TT_CONN_SOCK | inode: the tt_data conn of this socket */
	__s32 fd;
	__u16 family; /* AF_INET / AF_INET6 */
	__u16 lport;  /* local port, host byte order */
	__u16 rport;  /* peer port, host byte order */
	__u16 pad0;
	/*
	 * Inode number of the socket's network namespace: the same addresses in two namespaces
	 * are two connections. Was padding (0: unknown, as in older captures), so the ABI
	 * version stands.
	 */
	__u32 netns;
	__u8 laddr[16]; /* local address (IPv4 in the first 4 bytes) */
	__u8 raddr[16]; /* peer address */
};

/*
 * A TLS client connection seen from the socket syscalls (bpf/sock.bpf.c): the first write of a
 * traced process's TCP socket was a TLS handshake record holding a ClientHello. Whether its
 * plaintext is captured too is for user space to tell (src/linker_tls.c): when it is not, the
 * connection still gets a span, named after the SNI of the hello.
 */
/* ClientHello bytes kept, a power of two: rustls puts the SNI last, after a 1.2 KiB
 * post-quantum key share (tests/fixtures/tls/rustls-codex.bin) */
#define TT_HELLO_MAX 2048

struct tt_tls_hello {
	struct tt_sock s; /* s.h.type = TT_REC_TLS_HELLO; addresses as for plaintext */
	__u32 call_len;	  /* bytes the write moved */
	__u32 len;	  /* bytes in data[]: the first min(call_len, TT_HELLO_MAX) */
	__u8 data[];	  /* from the TLS record header on */
};

/*
 * The end of a connection of a tt_tls_hello: its close(), or the exit_group() of its process
 * while it was still open. Bytes are counted at the socket (TLS records, handshake included),
 * by syscalls made outside a probed TLS call only.
 */
enum tt_tls_close_flags {
	TT_TLS_CLOSE_EXIT = 1 << 0, /* still open when the process exited */
};

struct tt_tls_close {
	struct tt_hdr h;
	__u64 conn; /* TT_CONN_SOCK | inode, as in the tt_tls_hello */
	__s32 fd;
	__u32 flags;	/* enum tt_tls_close_flags */
	__u64 bytes[2]; /* indexed by enum tt_dir: sent, received */
	__u32 calls[2]; /* socket calls that moved them */
};

/*
 * A thread that sealed TLS records (TT_CONN_PEND | h.tid data records, positions 0..len) wrote
 * to a TLS socket: those records belong to conn at stream positions base + their position.
 */
struct tt_aead_bind {
	struct tt_hdr h;
	__u64 conn; /* TT_CONN_AEAD | inode of the socket */
	__s32 fd;
	__u32 pad0;
	__u64 base; /* write-direction position of the first pending byte */
	__u64 len;  /* pending bytes sealed since the thread's previous bind */
};

/*
 * Who a process is beyond its executable, read by user space (src/procid.c) from /proc when it
 * execs or is found running, and sent down the same path as the kernel's records so that a
 * capture replays to the same resource attributes without /proc: its container and pod (from
 * its cgroup and the runtime's OCI config), its pid in its own pid namespace, and the service
 * name it was given (OTEL_SERVICE_NAME, nothing else of its environment). Every text is
 * NUL-terminated within its field ("" when unknown). A forked process that never execs keeps
 * its parent's (the linker copies it at fork); its vpid is in its tt_fork.
 */
#define TT_IDENT_ID_LEN	  72  /* container id: 64 hex digits, NUL */
#define TT_IDENT_NAME_LEN 64  /* k8s namespace and container names: DNS labels, 63 */
#define TT_IDENT_POD_LEN  256 /* pod name: a DNS subdomain, 253 */
#define TT_IDENT_SVC_LEN  128 /* service.name kept: longer values are cut */

struct tt_ident {
	struct tt_hdr h; /* h.pid = h.tid = the process (tgid) */
	__u64 start_ns;	 /* the process's start, as its exec record (or /proc) has it */
	__u32 vpid;	 /* its pid in its own pid namespace (last of NSpid), 0: unknown */
	__u32 flags;	 /* 0 */
	char container_id[TT_IDENT_ID_LEN];
	char runtime[16]; /* container.runtime.name: docker, containerd, cri-o, podman */
	char pod_uid[40]; /* k8s.pod.uid, dashed */
	char pod_name[TT_IDENT_POD_LEN];
	char pod_namespace[TT_IDENT_NAME_LEN];
	char container_name[TT_IDENT_NAME_LEN]; /* k8s.container.name */
	char service_name[TT_IDENT_SVC_LEN];	/* OTEL_SERVICE_NAME, cleaned */
};

/* Index in the per-CPU "stats" array. */
enum tt_stat {
	TT_ST_LOST_RECS = 0, /* ring buffer full: records dropped */
	TT_ST_LOST_BYTES,    /* payload bytes in those records */
	TT_ST_TRUNC_CALLS,   /* calls larger than the per-call cap */
	TT_ST_TRUNC_BYTES,   /* bytes beyond the cap */
	TT_ST_READ_ERR,	     /* bpf_probe_read_user failures */
	TT_ST_ARGS_MISS,     /* return probe without a stashed entry */
	TT_ST_AEAD_NOSOCK,   /* AEAD records opened on a thread that read no TLS socket */
	TT_ST_HELD,	     /* processes stopped at exec until their file was probed */
	TT_ST_HOLD_SKIP,     /* a file not probed yet, its process not held (see sched_exec) */
	TT_ST_RL_CALLS,	     /* calls captured at OpenSSL's record layer: no API probe saw them */
	TT_ST_MAX,
};

/*
 * Holding a process at exec (bpf/proc.bpf.c): the value of the "held" map (key: tgid). The
 * kernel stops a traced process that execs a file not in the "known" map (key: struct
 * tt_file_key); user space continues it once the file is probed, or at a deadline.
 */
struct tt_file_key {
	__u64 dev; /* the kernel's s_dev encoding (major << 20 | minor) */
	__u64 ino;
};

enum tt_hold_flags {
	TT_HOLD_SENDING = 1,   /* the kernel's SIGSTOP is being sent */
	TT_HOLD_USER_STOP = 2, /* someone else stopped it meanwhile: theirs to continue */
	TT_HOLD_PARENT = 4,    /* its parent mirrored the stop: both continued (see signal_gen) */
};

struct tt_hold {
	struct tt_file_key file; /* the file it waits for: known once probed */
	__u64 since_ns;		 /* boot time of the stop */
	__u64 start_ns;		 /* the process's start (boot time): pid reuse */
	__u32 flags;		 /* enum tt_hold_flags */
	__u32 ppid;		 /* its parent's tgid */
};

#endif /* TT_ABI_H */
