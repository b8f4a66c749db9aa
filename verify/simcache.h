/* bsq — the build cache of `bsq sim`: Verilator harnesses and Verilator's
 * run-time objects, kept under a directory the caller names (the CLI:
 * $XDG_CACHE_HOME/bsq, default ~/.cache/bsq) so that simulating a design
 * again rebuilds nothing and a new design compiles only its own model.
 *
 * An entry is the directory DIR/KIND-KEY holding the files of one build;
 * KEY is a 128-bit hash of every input of that build: the bytes of every
 * file it reads (RTL, harness, headers, the library it links), the flags,
 * the bsq version and the versions of the tools. A changed byte in any of
 * them gives another key, so a stale build is never reused. An entry is
 * filled in a temporary directory beside it and renamed into place, so a
 * reader sees it complete or not at all, also with several bsq running. */
#ifndef BSQ_SIMCACHE_H
#define BSQ_SIMCACHE_H

#include <stddef.h>

#include "err.h"

/* Two 64-bit FNV-1a chains from different starting values, over
 * length-prefixed, labelled items (so "ab"+"c" and "a"+"bc" differ). */
typedef struct {
  unsigned long long h[2];
} bsq_cachekey;

#define BSQ_CACHEKEY_HEX 33 /* 32 hex digits and the NUL */

/* Starts a key for builds of one kind ("harness", "runtime"). */
void bsq_cachekey_init(bsq_cachekey *k, const char *kind);
void bsq_cachekey_add(bsq_cachekey *k, const char *label, const void *p,
                      size_t n);
void bsq_cachekey_add_str(bsq_cachekey *k, const char *label, const char *s);
/* The file's bytes (not its name). 0, or BSQ_EIO naming the file. */
int bsq_cachekey_add_file(bsq_cachekey *k, const char *path, bsq_diag *diag);
/* Every regular file in dir whose name ends in suffix, in name order, each
 * with its name and bytes. 0, or BSQ_EIO. */
int bsq_cachekey_add_dir(bsq_cachekey *k, const char *dir, const char *suffix,
                         bsq_diag *diag);
/* What a command prints on stdout ("verilator --version"), or its exit
 * status when it cannot run. */
void bsq_cachekey_add_cmd(bsq_cachekey *k, char *const argv[]);
void bsq_cachekey_hex(const bsq_cachekey *k, char out[BSQ_CACHEKEY_HEX]);

/* The entry cache_dir/KIND-HEX, into path: 1 if it exists (complete), 0 if
 * not, -1 if the path does not fit. */
int bsq_cache_find(const char *cache_dir, const char *kind, const char *hex,
                   char *path, size_t cap);

/* Copies the n files (each with its mode) into a new entry KIND-HEX under
 * cache_dir (created if missing), atomically. An entry another process
 * filled meanwhile is kept. 0, or BSQ_EIO with diag. */
int bsq_cache_store(const char *cache_dir, const char *kind, const char *hex,
                    const char *const files[], int n, bsq_diag *diag);

/* bsq_cache_store of the regular files in dir whose names start with
 * prefix and end with suffix ("verilated", ".o"); BSQ_EIO when there is
 * none. */
int bsq_cache_store_dir(const char *cache_dir, const char *kind,
                        const char *hex, const char *dir, const char *prefix,
                        const char *suffix, bsq_diag *diag);

/* Copies every file of the entry into dir (existing). 0 or BSQ_EIO. */
int bsq_cache_fetch(const char *entry, const char *dir, bsq_diag *diag);

#endif
