/*
 * wt_preinit.c — part of the SecantusDB WiredTiger shim: start-up speed.
 *
 * sct_preinit runs WiredTiger's one-time process initialisation on a detached thread (so it overlaps
 * with loading the rest of the program) after shortening WiredTiger 3.2.1's clock-calibration busy
 * loop, which otherwise costs ~250 ms at every process start. Both happen on that thread: the search
 * for the loop reads the library's whole executable segment (12-45 ms on the caller's thread when it
 * ran there, issue 18). See the comments below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wiredtiger.h>

/*
 * WiredTiger's one-time process initialisation (__wt_library_init, run by the first wiredtiger_open)
 * calibrates its clock with a busy loop of 10^8 iterations: ~250 ms on our machines. sct_preinit
 * starts that initialisation on a detached thread so it overlaps with module loading and config
 * parsing; a later wiredtiger_open waits for it (pthread_once) instead of running it again.
 */
extern int __wt_library_init(void);

static int shorten_calibration(void);
static void patch_finished(int patched);

/*
 * The calibration loop itself: in the Debian build of WiredTiger 3.2.1 it is exactly this byte
 * sequence (a volatile counter compared with 99,999,999 = 0x05f5e0ff, run three times, keeping the
 * best ratio). sct_preinit shortens it to 999,999 iterations (~1 ms each try; the tick/ns ratio from
 * a 1 ms window is accurate to far better than WiredTiger needs) by rewriting the two immediates in
 * the process's private, copy-on-write mapping of the library. The patch applies only when the whole
 * 34-byte sequence occurs exactly once in the library's executable segment; otherwise nothing is
 * touched. SECANTUS_NO_WT_PATCH=1 disables it.
 */
static const unsigned char CALIBRATE_LOOP[] = {
    0x48, 0x3d, 0xff, 0xe0, 0xf5, 0x05, 0x77, 0x1b, 0x48, 0x8b, 0x44, 0x24, 0x18, 0x48, 0x83, 0xc0, 0x01,
    0x48, 0x89, 0x44, 0x24, 0x18, 0x48, 0x8b, 0x44, 0x24, 0x18, 0x48, 0x3d, 0xff, 0xe0, 0xf5, 0x05, 0x76, 0xe5};
static const uint32_t SHORT_LOOP = 999999;

struct patch_search {
    unsigned char *found;
    int count;
};

static int
find_loop(struct dl_phdr_info *info, size_t size, void *data)
{
    struct patch_search *ps = data;
    (void)size;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libwiredtiger.so") == NULL)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_X) == 0)
            continue;
        unsigned char *at = (unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        unsigned char *end = at + ph->p_memsz;
        while ((at = memmem(at, (size_t)(end - at), CALIBRATE_LOOP, sizeof(CALIBRATE_LOOP))) != NULL) {
            ps->found = at;
            ps->count++;
            at++;
        }
    }
    return 1;
}

static int
write_imm32(unsigned char *at, uint32_t value)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t base = (uintptr_t)at & ~((uintptr_t)page - 1);
    size_t span = (size_t)((uintptr_t)at + 4 - base);
    if (mprotect((void *)base, span, PROT_READ | PROT_WRITE | PROT_EXEC) != 0)
        return errno;
    memcpy(at, &value, 4);
    mprotect((void *)base, span, PROT_READ | PROT_EXEC);
    return 0;
}

/* Returns 1 when the loop was shortened, 0 when left alone (not found, ambiguous, disabled). */
static int
shorten_calibration(void)
{
    const char *off = getenv("SECANTUS_NO_WT_PATCH");
    int major = 0, minor = 0, patch = 0;
    struct patch_search ps = {NULL, 0};
    if (off != NULL && off[0] != '\0' && off[0] != '0')
        return 0;
    (void)wiredtiger_version(&major, &minor, &patch);
    if (major != 3 || minor != 2 || patch != 1)
        return 0;
    dl_iterate_phdr(find_loop, &ps);
    if (ps.count != 1)
        return 0;
    if (write_imm32(ps.found + 2, SHORT_LOOP) != 0)
        return 0;
    if (write_imm32(ps.found + 29, SHORT_LOOP) != 0)
        return 0;
    __builtin___clear_cache((char *)ps.found, (char *)ps.found + sizeof(CALIBRATE_LOOP));
    return 1;
}

/*
 * The patch's state: -1 sct_preinit has not run, -2 its thread is patching, else the result (1 the loop
 * was shortened, 0 left alone). The code being patched must not run meanwhile: sct_conn_open (the
 * wiredtiger_open that could run the calibration itself) waits for the patch to finish first.
 */
static int preinit_patched = -1;
static pthread_mutex_t patch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t patch_done = PTHREAD_COND_INITIALIZER;

static void
patch_finished(int patched)
{
    pthread_mutex_lock(&patch_lock);
    preinit_patched = patched;
    pthread_cond_broadcast(&patch_done);
    pthread_mutex_unlock(&patch_lock);
}

static void *
preinit_main(void *arg)
{
    (void)arg;
    patch_finished(shorten_calibration());
    (void)__wt_library_init();
    return NULL;
}

/* Waits while sct_preinit's thread is patching; returns the patch's state (see preinit_patched). */
int
sct_preinit_wait_patch(void)
{
    int state;
    pthread_mutex_lock(&patch_lock);
    while (preinit_patched == -2)
        pthread_cond_wait(&patch_done, &patch_lock);
    state = preinit_patched;
    pthread_mutex_unlock(&patch_lock);
    return state;
}

/* 1 if the calibration loop was shortened, 0 if not, -1 if sct_preinit has not run (waits for it). */
int
sct_preinit_patched(void)
{
    return sct_preinit_wait_patch();
}

int
sct_preinit(void)
{
    pthread_t t;
    pthread_attr_t attr;
    int ret;
    pthread_mutex_lock(&patch_lock);
    if (preinit_patched != -1) { /* started already */
        pthread_mutex_unlock(&patch_lock);
        return 0;
    }
    preinit_patched = -2;
    pthread_mutex_unlock(&patch_lock);
    if ((ret = pthread_attr_init(&attr)) == 0) {
        (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        ret = pthread_create(&t, &attr, preinit_main, NULL);
        (void)pthread_attr_destroy(&attr);
    }
    if (ret != 0) /* no thread: patch here; the first wiredtiger_open runs the initialisation */
        patch_finished(shorten_calibration());
    return ret;
}

