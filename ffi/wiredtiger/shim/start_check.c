/*
 * start_check.c — part of the SecantusDB shim library, for `deno task start`'s launcher (scripts/start.ts),
 * not for WiredTiger: the launcher's two checks in one call, so a start pays ~530 stat system calls instead
 * of ~530 Deno.statSync calls (each builds a FileInfo with four Dates; ~14 ms of CPU on the first pass,
 * before V8 has optimised the loop, against ~2-3 ms here; issue 18, target 3).
 *
 * sct_start_check(root, list, len, count, out, name, name_cap):
 *   1. the shim under root (ffi/wiredtiger/shim/libsecantus_wt.so) against its sources: when it exists and
 *      scripts/build_shim.sh or a *.c / *.h file of its folder (in directory order) has a later mtime (in
 *      whole ms), returns 1 with that file's path from root in name;
 *   2. the start bundle's manifest: list (len bytes) holds count pairs "path from root\0signature\0"; for
 *      the first file that stat cannot read returns 2, for the first whose signature differs 3, with its
 *      index in out[0]; returns 0 when every file matches, -1 when list does not hold count pairs.
 * A signature is Deno's as scripts/start.ts's `signature` writes it: "size:mtime:ctime" with mtime in
 * whole ms (Deno floors the ns) and ctime in whole seconds times 1000 (Deno drops the ns).
 * scripts/start_test.ts runs both checks natively and in TypeScript over the same files.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define SHIM_DIR "ffi/wiredtiger/shim"

static int64_t
mtime_ms(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

/* path = root + "/" + rel, truncated safely; returns 0 when it did not fit. */
static int
join(char *path, size_t cap, const char *root, const char *rel)
{
    int n = snprintf(path, cap, "%s/%s", root, rel);
    return n > 0 && (size_t)n < cap;
}

static void
set_name(char *name, int32_t name_cap, const char *rel)
{
    if (name_cap <= 0)
        return;
    snprintf(name, (size_t)name_cap, "%s", rel);
}

/* 1 when rel (from root) exists and its mtime is later than built (ms). */
static int
newer(const char *root, const char *rel, int64_t built)
{
    char path[4096];
    struct stat st;
    return join(path, sizeof path, root, rel) && stat(path, &st) == 0 && mtime_ms(&st) > built;
}

static int
shim_source_newer(const char *root, char *name, int32_t name_cap)
{
    char path[4096];
    struct stat st;
    if (!join(path, sizeof path, root, SHIM_DIR "/libsecantus_wt.so") || stat(path, &st) != 0)
        return 0; /* no shim: opening it later says how to build it */
    int64_t built = mtime_ms(&st);
    if (newer(root, "scripts/build_shim.sh", built)) {
        set_name(name, name_cap, "scripts/build_shim.sh");
        return 1;
    }
    if (!join(path, sizeof path, root, SHIM_DIR))
        return 0;
    DIR *dir = opendir(path);
    if (dir == NULL)
        return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 2 || e->d_name[len - 2] != '.' || (e->d_name[len - 1] != 'c' && e->d_name[len - 1] != 'h'))
            continue;
        char rel[1024];
        if (snprintf(rel, sizeof rel, SHIM_DIR "/%s", e->d_name) >= (int)sizeof rel)
            continue;
        if (newer(root, rel, built)) {
            set_name(name, name_cap, rel);
            found = 1;
        }
    }
    closedir(dir);
    return found;
}

/* The NUL-terminated string at *p within [*p, end), stepping *p past it; NULL when it runs past end. */
static const char *
take(const char **p, const char *end)
{
    const char *s = *p;
    const char *nul = s < end ? memchr(s, 0, (size_t)(end - s)) : NULL;
    if (nul == NULL)
        return NULL;
    *p = nul + 1;
    return s;
}

int32_t
sct_start_check(const char *root, const char *list, int32_t len, int32_t count, int32_t *out, char *name,
  int32_t name_cap)
{
    if (shim_source_newer(root, name, name_cap))
        return 1;
    const char *p = list;
    const char *end = list + (len > 0 ? len : 0);
    for (int32_t i = 0; i < count; i++) {
        const char *rel = take(&p, end);
        const char *want = rel ? take(&p, end) : NULL;
        if (want == NULL)
            return -1;
        char path[4096];
        struct stat st;
        if (!join(path, sizeof path, root, rel) || stat(path, &st) != 0) {
            out[0] = i;
            return 2;
        }
        char sig[96];
        snprintf(sig, sizeof sig, "%" PRId64 ":%" PRId64 ":%" PRId64, (int64_t)st.st_size, mtime_ms(&st),
          (int64_t)st.st_ctim.tv_sec * 1000);
        if (strcmp(sig, want) != 0) {
            out[0] = i;
            return 3;
        }
    }
    return 0;
}
