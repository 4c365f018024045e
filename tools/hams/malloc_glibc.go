//go:build linux && cgo

package main

/*
#include <malloc.h>
#include <stdlib.h>

// hamsLimitMallocArenas runs when the binary is loaded, before the Go
// runtime starts any thread, like the MALLOC_ARENA_MAX variable (which still
// wins when set). It is a no-op where mallopt lacks M_ARENA_MAX (musl).
__attribute__((constructor)) static void hamsLimitMallocArenas(void) {
#ifdef M_ARENA_MAX
	if (getenv("MALLOC_ARENA_MAX") == NULL) {
		mallopt(M_ARENA_MAX, 2);
	}
#endif
}
*/
import "C"

// The hams binary allows glibc 2 malloc arenas (see the C constructor
// above). glibc's default, 8 per core, let each thread that touched Pebble's
// cache keep its own 15-17 MB of freed, fragmented memory: a node
// re-inserting a 256 MiB file held 91 MB of C memory for a 48 MiB budget and
// peaked at 186-217 MB; with 2 arenas it peaked at 158-165 MB, as fast.
