#!/bin/sh
# SPDX-License-Identifier: MIT
# Object-level half of the layer check: no two objects may call each other in a loop.
# An edge a.o -> b.o means a.o uses a global symbol b.o defines (nm). Static functions never
# form an edge. Usage: tools/check_cycles.sh OBJECT... | OBJDIR (the Makefile names the objects
# of today's sources, so a stale object of a deleted source never counts).
set -eu
[ $# -gt 0 ] || { echo "usage: check_cycles.sh OBJECT... | OBJDIR | --self-test" >&2; exit 2; }
NM=${NM:-nm}
if [ "$1" = --self-test ]; then
	# three objects: a -> b -> c is fine, c -> a closes a loop the check must find
	t=$(mktemp -d)
	trap 'rm -rf "$t"' EXIT
	printf 'int b(void);
int a(void) { return b(); }
' > "$t/a.c"
	printf 'int c(void);
int b(void) { return c(); }
' > "$t/b.c"
	printf 'int c(void) { return 0; }
' > "$t/c.c"
	printf 'int a(void);
int c(void) { return a(); }
' > "$t/c_loop.c"
	for f in a b c c_loop; do ${CC:-cc} -c "$t/$f.c" -o "$t/$f.o"; done
	"$0" "$t/a.o" "$t/b.o" "$t/c.o" >/dev/null || { echo "cycles: self-test: a chain was called a loop" >&2; exit 1; }
	if "$0" "$t/a.o" "$t/b.o" "$t/c_loop.o" 2>/dev/null; then
		echo "cycles: self-test: the loop a -> b -> c -> a was not found" >&2
		exit 1
	fi
	echo "cycles: self-test ok"
	exit 0
fi
if [ $# = 1 ] && [ -d "$1" ]; then
	dir=$1
	set -- "$dir"/*.o
	[ -e "$1" ] || { echo "cycles: no objects in $dir" >&2; exit 2; }
fi
for o in "$@"; do
	m=$(basename "$o" .o)
	$NM --defined-only -g "$o" | awk -v m="$m" 'NF >= 3 && $2 ~ /^[TDBRVWC]$/ { print "D", m, $3 }'
	$NM -u "$o" | awk -v m="$m" 'NF { print "U", m, $NF }'
done | awk '
$1 == "D" { if (!($3 in def)) def[$3] = $2; next }
{ use[++nu] = $2 " " $3 }
END {
	for (i = 1; i <= nu; i++) {
		split(use[i], f, " ")
		d = def[f[2]]
		if (d == "" || d == f[1])
			continue
		if (!((f[1], d) in edge)) {
			edge[f[1], d] = 1
			why[f[1], d] = f[2]
			node[f[1]] = node[d] = 1
		} else
			why[f[1], d] = why[f[1], d] ", " f[2]
	}
	n = 0
	for (v in node)
		name[++n] = v
	# transitive closure (a few dozen objects: Warshall is plenty)
	for (i = 1; i <= n; i++)
		for (j = 1; j <= n; j++)
			r[i, j] = ((name[i], name[j]) in edge)
	for (k = 1; k <= n; k++)
		for (i = 1; i <= n; i++)
			if (r[i, k])
				for (j = 1; j <= n; j++)
					if (r[k, j])
						r[i, j] = 1
	loops = 0
	for (i = 1; i <= n; i++) {
		if (done[i] || !r[i, i])
			continue
		grp = ""
		for (j = 1; j <= n; j++)
			if (r[i, j] && r[j, i]) {
				done[j] = 1
				grp = grp " " name[j]
			}
		loops++
		printf "cycles: these objects call each other in a loop:%s\n", grp > "/dev/stderr"
		m = split(substr(grp, 2), g, " ")
		for (a = 1; a <= m; a++)
			for (b = 1; b <= m; b++)
				if ((g[a], g[b]) in edge)
					printf "  %s -> %s: %s\n", g[a], g[b], why[g[a], g[b]] > "/dev/stderr"
	}
	if (loops) {
		print "cycles: give the shared part a home below the files that use it" > "/dev/stderr"
		exit 1
	}
	print "cycles: ok (" n " objects with calls between them, no loop)"
}'
