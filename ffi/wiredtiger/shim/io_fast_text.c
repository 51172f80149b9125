/*
 * io_fast_text.c — the entries a text index holds for a document, made on the frame I/O thread for its
 * inserts and deletes (io_fast_insert.c's secondary index of kind WIX_TEXT), from words JS has stemmed.
 *
 * The index: `{_fts: "text", _ftsx: 1}` weighting one top-level field (JS registers only that shape:
 * updatable_collection.ts). The document's field must be a string of printable ASCII (no NUL, nothing
 * above 0x7F) and the document must hold no top-level language override field; anything else is JS's.
 * The words are src/keys/text_tokenize.ts's for ASCII (runs of letters and digits, joined by an
 * apostrophe followed by one), and each must be in the vocabulary JS hands over (sct_fast_text_words:
 * word → its term, or a stop word) — JS teaches it the words of each document it indexes itself, so a
 * word never seen is JS's, once. The scores are text_terms.ts's `addStringScores`, the same IEEE
 * operations in the same order; each entry is the term's key then the score's (key_string.ts: a string,
 * then the exact decimal digits of a double, as double_digits.ts writes them).
 */
#define _GNU_SOURCE
#include "io_fast.h"
#include <math.h>

#define VOCAB_MAX (1u << 18) /* words kept (a full table takes no more: JS's then) */
#define STOP 0xFFFF

struct tword {
    uint8_t *word; /* NULL: free */
    uint16_t wlen, tlen; /* tlen STOP: a stop word */
    uint8_t *term;
};

struct fast_text {
    double weight;
    struct tword *slots;
    uint32_t cap, n;
};

static uint32_t hash(const uint8_t *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static struct tword *slot_of(struct fast_text *t, const uint8_t *w, size_t n)
{
    for (uint32_t i = hash(w, n) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        struct tword *s = &t->slots[i];
        if (!s->word || (s->wlen == n && memcmp(s->word, w, n) == 0))
            return s;
    }
}

struct fast_text *fast_text_new(double weight)
{
    struct fast_text *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->weight = weight;
    t->cap = 1024;
    if (!(t->slots = calloc(t->cap, sizeof *t->slots))) {
        free(t);
        return NULL;
    }
    return t;
}

void fast_text_free(struct fast_text *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->cap; i++)
        free(t->slots[i].word);
    free(t->slots);
    free(t);
}

static int vocab_grow(struct fast_text *t)
{
    struct fast_text bigger = {.cap = t->cap * 2};
    if (!(bigger.slots = calloc(bigger.cap, sizeof *bigger.slots)))
        return 0;
    for (uint32_t i = 0; i < t->cap; i++)
        if (t->slots[i].word)
            *slot_of(&bigger, t->slots[i].word, t->slots[i].wlen) = t->slots[i];
    free(t->slots);
    t->slots = bigger.slots;
    t->cap = bigger.cap;
    return 1;
}

/* One word learned: its term (tlen bytes), or a stop word (tlen STOP). 1, or 0 (full, or no memory). */
static int learn(struct fast_text *t, const uint8_t *w, uint16_t wlen, const uint8_t *term, uint16_t tlen)
{
    struct tword *s = slot_of(t, w, wlen);
    if (s->word)
        return 1;
    if (t->n >= VOCAB_MAX)
        return 0;
    if ((t->n + 1) * 2 > t->cap) {
        if (!vocab_grow(t))
            return 0;
        s = slot_of(t, w, wlen);
    }
    size_t tl = tlen == STOP ? 0 : tlen;
    uint8_t *b = malloc((size_t)wlen + tl + 1);
    if (!b)
        return 0;
    memcpy(b, w, wlen);
    memcpy(b + wlen, term, tl);
    *s = (struct tword){.word = b, .wlen = wlen, .tlen = tlen, .term = b + wlen};
    t->n++;
    return 1;
}

/* Words for the text index of registration slot: buf = [u16 word length][word][u16 term length or 0xFFFF
 * (a stop word)][term] ..., little-endian lengths. 0, or EINVAL (no such index) / ENOMEM. */
int sct_fast_text_words(struct sct_io *io, int slot, const uint8_t *buf, int len)
{
    struct fast *f = io->fast;
    if (!f || slot < 0 || slot >= FAST_COLLS || len < 0)
        return EINVAL;
    pthread_mutex_lock(&f->mu);
    struct fast_coll *c = &f->colls[slot];
    struct fast_text *t = NULL;
    for (uint32_t i = 0; i < c->n_wix; i++)
        if (c->wix[i].kind == WIX_TEXT)
            t = c->wix[i].text;
    int ret = t ? 0 : EINVAL;
    for (int at = 0; ret == 0 && at + 4 <= len;) {
        uint16_t wl = (uint16_t)(buf[at] | buf[at + 1] << 8);
        if (at + 2 + wl + 2 > len) {
            ret = EINVAL;
            break;
        }
        const uint8_t *w = buf + at + 2;
        uint16_t tl = (uint16_t)(buf[at + 2 + wl] | buf[at + 3 + wl] << 8);
        size_t tbytes = tl == STOP ? 0 : tl;
        if (at + 4 + wl + (int)tbytes > len) {
            ret = EINVAL;
            break;
        }
        if (!learn(t, w, wl, buf + at + 4 + wl, tl))
            ret = ENOMEM;
        at += 4 + wl + (int)tbytes;
    }
    pthread_mutex_unlock(&f->mu);
    return ret;
}

/* ------------------------------------------------------------------ a score's key */

/* key_string.ts writeDouble of a finite positive double that is not an integer below 1e15: class byte,
 * biased decimal exponent, digit pairs + 1, 0 — the exact decimal digits (double_digits.ts). */
static size_t score_key(double d, uint8_t *out)
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    int be = (int)((bits >> 52) & 0x7ff);
    uint64_t mant = bits & ((1ull << 52) - 1);
    int e;
    if (be == 0)
        e = -1074;
    else {
        mant |= 1ull << 52;
        e = be - 1075;
    }
    while (e < 0 && (mant & 1) == 0) {
        mant >>= 1;
        e++;
    }
    /* the integer mant × 5^-e (e < 0) or mant × 2^e, in base-10^9 limbs */
    uint32_t limbs[130];
    int n = 0;
    do {
        limbs[n++] = (uint32_t)(mant % 1000000000u);
        mant /= 1000000000u;
    } while (mant > 0);
    for (int k = e < 0 ? -e : e; k > 0;) {
        int step = e < 0 ? (k < 13 ? k : 13) : (k < 31 ? k : 31);
        uint64_t m = 1;
        for (int i = 0; i < step; i++)
            m *= e < 0 ? 5 : 2;
        k -= step;
        uint64_t carry = 0;
        for (int i = 0; i < n; i++) {
            uint64_t x = (uint64_t)limbs[i] * m + carry;
            limbs[i] = (uint32_t)(x % 1000000000u);
            carry = x / 1000000000u;
        }
        while (carry > 0) {
            if (n == 130)
                return 0;
            limbs[n++] = (uint32_t)(carry % 1000000000u);
            carry /= 1000000000u;
        }
    }
    uint8_t digits[1200];
    int len = 0;
    char top[16];
    int tl = snprintf(top, sizeof top, "%u", limbs[n - 1]);
    for (int i = 0; i < tl; i++)
        digits[len++] = (uint8_t)(top[i] - '0');
    for (int i = n - 2; i >= 0; i--) {
        uint32_t v = limbs[i];
        for (int j = 8; j >= 0; j--) {
            digits[len + j] = (uint8_t)(v % 10);
            v /= 10;
        }
        len += 9;
    }
    int exp = len + (e < 0 ? e : 0);
    while (len > 1 && digits[len - 1] == 0)
        len--;
    size_t o = 0;
    out[o++] = 0x1e;
    out[o++] = 0x05;
    int be2 = exp + 0x8000;
    out[o++] = (uint8_t)((be2 >> 8) & 0xff);
    out[o++] = (uint8_t)(be2 & 0xff);
    for (int i = 0; i < len; i += 2)
        out[o++] = (uint8_t)(digits[i] * 10 + (i + 1 < len ? digits[i + 1] : 0) + 1);
    out[o++] = 0;
    return o;
}

/* ------------------------------------------------------------------ a document's entries */

static int alnum(uint8_t b)
{
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
}

static uint8_t lower(uint8_t b)
{
    return b >= 'A' && b <= 'Z' ? (uint8_t)(b + 32) : b;
}

struct term_count {
    const uint8_t *term;
    uint16_t len;
    uint32_t count;
};

/* The entries of text index w for s (n bytes, the field's string), into keys (FAST_TEXT_KEYS of
 * FAST_TEXT_KEY_MAX bytes, klen each): their number (0: none), or -1 (JS's). */
int fast_text_keys(const struct fast_wix *w, const uint8_t *s, uint32_t n, uint8_t (*keys)[FAST_TEXT_KEY_MAX],
  size_t *klen)
{
    struct fast_text *t = w->text;
    struct term_count terms[FAST_TEXT_KEYS];
    int distinct = 0;
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        if (s[i] == 0 || s[i] >= 0x80)
            return -1;
    for (uint32_t i = 0; i < n;) {
        if (!alnum(s[i])) {
            i++;
            continue;
        }
        uint32_t start = i;
        while (i < n && alnum(s[i]))
            i++;
        while (i + 1 < n && s[i] == '\'' && alnum(s[i + 1])) {
            i++;
            while (i < n && alnum(s[i]))
                i++;
        }
        if (i - start > 0xFFF0)
            return -1;
        struct tword *tw = slot_of(t, s + start, i - start);
        if (!tw->word)
            return -1; /* a word JS has not stemmed here yet */
        if (tw->tlen == STOP)
            continue;
        total++;
        int k = 0;
        while (k < distinct && !(terms[k].len == tw->tlen && memcmp(terms[k].term, tw->term, tw->tlen) == 0))
            k++;
        if (k == distinct) {
            if (distinct == FAST_TEXT_KEYS || tw->tlen + 3 > FAST_TEXT_KEY_MAX)
                return -1;
            terms[distinct++] = (struct term_count){.term = tw->term, .len = tw->tlen, .count = 0};
        }
        terms[k].count++;
    }
    for (int k = 0; k < distinct; k++) {
        const struct term_count *tc = &terms[k];
        for (uint16_t j = 0; j < tc->len; j++)
            if (tc->term[j] == 0 || tc->term[j] >= 0x80)
                return -1;
        double freq = 2 - ldexp(1.0, 1 - (int)tc->count);
        double coeff = 0.5 * (double)tc->count / (double)total + 0.5;
        int whole = n == tc->len;
        for (uint32_t j = 0; whole && j < n; j++)
            whole = lower(s[j]) == lower(tc->term[j]);
        double adjustment = whole ? 1.1 : 1;
        double score = t->weight * freq * coeff * adjustment;
        if (!(score > 0) || !isfinite(score))
            return -1;
        uint8_t *o = keys[k];
        size_t at = 0;
        o[at++] = 0x28; /* a string (scalar_key's) */
        memcpy(o + at, tc->term, tc->len);
        at += tc->len;
        o[at++] = 0;
        o[at++] = 0;
        uint8_t sk[640];
        size_t sl;
        if (score < 1e15 && score == floor(score)) { /* an integral score: key_string.ts writeSmallInteger */
            sk[0] = 0x1e;
            sl = 1 + fast_small_int((int64_t)score, sk + 1);
        } else
            sl = score_key(score, sk);
        if (sl == 0 || at + sl > FAST_TEXT_KEY_MAX)
            return -1;
        memcpy(o + at, sk, sl);
        klen[k] = at + sl;
    }
    return distinct;
}
