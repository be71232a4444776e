/* SPDX-License-Identifier: GPL-2.0 */
/* tt.bpf.h: maps, config and helpers shared by the BPF programs. */
#ifndef TT_BPF_H
#define TT_BPF_H

/*
 * bpftool gen object links the programs of bpf/ into one object: maps shared by several are __weak
 * here so the identical definitions merge, and the config lives in proc.bpf.c with an extern
 * declaration for the others.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024 * 1024); /* resized by the loader */
} events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* TT_MAX_TRACKED */
	__type(key, __u32);	    /* tgid */
	__type(value, __u8);
} tracked SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TT_ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps") __weak;

extern const volatile bool cfg_all;	    /* trace every process */
extern const volatile __u32 cfg_self;	    /* the tracer's tgid, never traced */
extern const volatile __u32 cfg_call_cap;   /* payload bytes kept per call */
extern const volatile __u64 cfg_wake_bytes; /* wake the consumer above this backlog */

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n;
}

static __always_inline bool tgid_traced(__u32 tgid)
{
	if (tgid == cfg_self)
		return false;
	if (cfg_all)
		return true;
	return bpf_map_lookup_elem(&tracked, &tgid) != NULL;
}

/*
 * Records are not announced one by one: a wakeup per record costs the traced thread about
 * 6.5 us (reference/probe-costs.md). The consumer polls on a short timer and is woken only when
 * the backlog grows large.
 */
static __always_inline __u64 rb_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > cfg_wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void fill_hdr(struct tt_hdr *h, __u16 type, __u32 size, __u64 pid_tgid)
{
	h->type = type;
	h->abi = TT_ABI_VERSION;
	h->size = size;
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Reserves a record of the given type and size with its header filled in; NULL (counted) when the
 * ring is full. */
static __always_inline void *rec_reserve(__u32 size, __u16 type, __u64 pid_tgid)
{
	struct tt_hdr *h = bpf_ringbuf_reserve(&events, size, 0);

	if (!h) {
		stat_add(TT_ST_LOST_RECS, 1);
		return NULL;
	}
	fill_hdr(h, type, size, pid_tgid);
	return h;
}

/* A tt_conn_ev: connection conn ended (TT_REC_CLOSE) or runs on socket fd (TT_REC_SSL_FD). */
static __always_inline void conn_ev_out(__u16 type, __u64 conn, __s32 fd, __u64 pid_tgid)
{
	struct tt_conn_ev *e = rec_reserve(sizeof(*e), type, pid_tgid);

	if (!e)
		return;
	e->conn = conn;
	e->fd = fd;
	e->pad0 = 0;
	bpf_ringbuf_submit(e, rb_flags());
}

/*
 * A stash of what a thread (or goroutine) needs from a call's entry at its return, or keeps
 * between calls. LRU: a thread killed inside a call, or a goroutine that never returns, cannot
 * leak its entry, and a full map forgets the oldest rather than refusing new calls.
 */
#define TT_STASH_MAP(name, key_type, value_type)     \
	struct {                                     \
		__uint(type, BPF_MAP_TYPE_LRU_HASH); \
		__uint(max_entries, 16384);          \
		__type(key, key_type);               \
		__type(value, value_type);           \
	} name SEC(".maps")

/*
 * Moves the size bytes stashed at key in map into out: false when nothing was stashed. Every
 * stash holds a struct of __u64 first, 8-byte aligned like out: said so, or clang copies the
 * bytes one by one (size is a constant once inlined, so no call to memcpy is left).
 */
static __always_inline bool stash_take(void *map, const void *key, void *out, __u32 size)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (!v)
		return false;
	__builtin_memcpy(__builtin_assume_aligned(out, 8), __builtin_assume_aligned(v, 8), size);
	bpf_map_delete_elem(map, key);
	return true;
}

/* The value of key in a hash map, added as init first when missing. */
static __always_inline void *map_lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	/* another CPU may add it first: NOEXIST keeps theirs, and the lookup finds it */
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

#define TT_S_IFMT   00170000
#define TT_S_IFSOCK 0140000

/*
 * The socket behind fd in the calling process and its sockfs inode number (unique while the
 * socket lives, unlike the fd); NULL when fd is not an open socket. Every read/write syscall of
 * a traced process comes here, most of them on files: the first steps are direct loads through
 * the task's BTF pointer, about half the cost of BPF_CORE_READ's helper calls; the fd array
 * holds plain pointers, which the verifier lets a program read only through a helper.
 */
static __always_inline struct socket *fd_socket(long fd, __u64 *ino)
{
	struct fdtable *fdt = bpf_get_current_task_btf()->files->fdt;
	struct file **fds, *file = NULL;
	struct inode *inode;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	inode = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & TT_S_IFMT) != TT_S_IFSOCK)
		return NULL;
	*ino = BPF_CORE_READ(inode, i_ino);
	return BPF_CORE_READ(file, private_data);
}

/* A run of a call's payload bytes going out as data records of at most TT_CHUNK bytes. */
struct data_run {
	__u64 pid_tgid;
	__u64 conn;
	__u64 buf;	/* user address of the run's first byte */
	__u64 pos;	/* its position in the direction's stream */
	__u32 call_len; /* bytes the call moved */
	__u32 len;	/* bytes in the run, at most cfg_call_cap */
	__s32 fd;
	__u8 dir;
	__u8 src;
	__u8 flags; /* TT_DF_FIRST, TT_DF_LAST: the run starts, ends what is sent of
				 * the call; TT_DF_TRUNCATED: the call is longer than that */
	__u8 lib;   /* enum tt_lib */
};

/*
 * Record i of run r: staged in rec (a ring-buffer reservation must have a constant size) and
 * copied out at its true size. False past the end of the run.
 */
static __always_inline bool data_out(struct tt_data *rec, const struct data_run *r, __u32 i)
{
	__u32 off = i * TT_CHUNK, len;

	/* a run never exceeds the cap: testing it here too (a constant to the verifier, r->len is
	 * not) bounds an open-coded loop over i without walking all TT_MAX_CHUNKS */
	if (i >= TT_MAX_CHUNKS || off >= r->len || off >= cfg_call_cap)
		return false;
	len = r->len - off;
	if (len > TT_CHUNK)
		len = TT_CHUNK;
	/* clang folds the clamp above into a form the verifier cannot bound: hide len from the
	 * optimiser and re-derive [1, TT_CHUNK] with a mask */
	barrier_var(len);
	len = ((len - 1) & (TT_CHUNK - 1)) + 1;
	fill_hdr(&rec->h, TT_REC_DATA, sizeof(*rec) + len, r->pid_tgid);
	rec->conn = r->conn;
	rec->pos = r->pos + off;
	rec->call_len = r->call_len;
	rec->len = len;
	rec->dir = r->dir;
	rec->src = r->src;
	rec->lib = r->lib;
	rec->fd = r->fd;
	rec->flags = (i == 0 ? r->flags & TT_DF_FIRST : 0) |
		     (off + len >= r->len ? r->flags & TT_DF_LAST : 0) |
		     (r->flags & TT_DF_TRUNCATED);
	if (bpf_probe_read_user(rec->data, len, (void *)(r->buf + off))) {
		stat_add(TT_ST_READ_ERR, 1);
		stat_add(TT_ST_LOST_BYTES, len);
		return true;
	}
	if (bpf_ringbuf_output(&events, rec, sizeof(*rec) + len, rb_flags())) {
		stat_add(TT_ST_LOST_RECS, 1);
		stat_add(TT_ST_LOST_BYTES, len);
	}
	return true;
}

/*
 * Record i of run r staged in the data_scratch of scratch_map, the body of a bpf_loop callback
 * (the verifier checks it once, not once per chunk a cap allows): 1 ends the loop.
 */
static __always_inline long run_chunk(void *scratch_map, __u32 i, const struct data_run *r)
{
	__u32 zero = 0;
	void *sc = bpf_map_lookup_elem(scratch_map, &zero);

	return !sc || !data_out(sc, r, i);
}

/*
 * Sets r up for the first run of a call of r->call_len bytes from r->buf at r->pos: the whole
 * call, or over the cap its head. Returns the length of the tail run that follows it then
 * (run_tail), 0 when there is none.
 */
static __always_inline __u32 run_head(struct data_run *r)
{
	__u32 tail = cfg_call_cap / 4 < TT_CALL_TAIL ? cfg_call_cap / 4 : TT_CALL_TAIL;

	r->len = r->call_len;
	r->flags = TT_DF_FIRST | TT_DF_LAST;
	if (r->call_len <= cfg_call_cap)
		return 0;
	stat_add(TT_ST_TRUNC_CALLS, 1);
	stat_add(TT_ST_TRUNC_BYTES, r->call_len - cfg_call_cap);
	r->len = cfg_call_cap - tail;
	r->flags = tail ? TT_DF_FIRST | TT_DF_TRUNCATED : r->flags | TT_DF_TRUNCATED;
	return tail;
}

/* Turns r, the head run of a call over the cap, into its tail run of tail bytes. */
static __always_inline void run_tail(struct data_run *r, __u32 tail)
{
	r->buf += r->call_len - tail;
	r->pos += r->call_len - tail;
	r->len = tail;
	r->flags = TT_DF_LAST | TT_DF_TRUNCATED;
}

#endif /* TT_BPF_H */
