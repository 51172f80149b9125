/*
 * io_fast_geo.c — the entry a 2dsphere index on a top-level field holds for a GeoJSON point, made on the
 * frame I/O thread for its inserts and deletes (io_fast_insert.c's secondary indexes of kind WIX_2DSPHERE).
 *
 * Only the plainest value is taken: `{type: "Point", coordinates: [lng, lat]}` — exactly those two fields
 * (either order), two coordinates (a double or an int32 each) within [-180, 180] × [-90, 90]. Its key is
 * the one number src/keys/geo_keys.ts makes of a point: the leaf cell (level 26) of the lng/lat grid
 * holding it (src/engine/geo/cells.ts cellAt + cellId: the cell's column and row interleaved, then a 1
 * bit), an integer below 2^53 encoded as key_string.ts encodes it (small_int: its digits are exact). The
 * arithmetic is the same IEEE operations in the same order (a subtraction, a division, a product, floor),
 * so the cell is the same bit for bit. Anything else — the field missing or null (a 2dsphere index then
 * holds no entry), a legacy pair, an altitude, another geometry, an `crs`, a value out of bounds (JS's
 * 16755) — is JS's.
 */
#define _GNU_SOURCE
#include "io_fast.h"
#include <math.h>

#define CELL_LEVEL 26 /* cells.ts MAX_CELL_LEVEL */

/* A coordinate: a double or an int32 (-> *d): 1, else 0. */
static int coord(const struct el *e, double *d)
{
    if (e->type == 0x01) {
        memcpy(d, e->val, 8);
        return 1;
    }
    if (e->type == 0x10) {
        *d = (double)rd32(e->val);
        return 1;
    }
    return 0;
}

/* The cell's row or column of x in [lo, hi]: cellAt's floor(((x - lo) / (hi - lo)) * 2^26), clamped. */
static uint32_t grid_step(double x, double lo, double hi)
{
    const double n = (double)(1u << CELL_LEVEL);
    double f = floor(((x - lo) / (hi - lo)) * n);
    if (f > n - 1)
        f = n - 1;
    if (f < 0)
        f = 0;
    return (uint32_t)f;
}

/* The key of a GeoJSON point value v (an embedded document) for a 2dsphere index, or 0 (JS's). */
size_t fast_point_key(const struct el *v, uint8_t *out)
{
    if (v->type != 0x03)
        return 0;
    const uint8_t *p = v->val + 4, *end = v->val + v->len;
    struct el e, coords = {0};
    int rc, type = 0, has_coords = 0;
    while ((rc = next_el(&p, end, &e)) == 1) {
        if (name_is(&e, "type") && !type && e.type == 0x02 && e.len == 10 && memcmp(e.val + 4, "Point", 6) == 0)
            type = 1;
        else if (name_is(&e, "coordinates") && !has_coords && e.type == 0x04) {
            has_coords = 1;
            coords = e;
        } else
            return 0;
    }
    if (rc != 0 || !type || !has_coords)
        return 0;
    const uint8_t *q = coords.val + 4, *qend = coords.val + coords.len;
    struct el x, y, tail;
    double lng, lat;
    if (next_el(&q, qend, &x) != 1 || !name_is(&x, "0") || !coord(&x, &lng) || next_el(&q, qend, &y) != 1 ||
      !name_is(&y, "1") || !coord(&y, &lat) || next_el(&q, qend, &tail) != 0)
        return 0;
    if (!(lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90))
        return 0; /* (NaN too: JS's 16755) */
    uint32_t i = grid_step(lng, -180, 180), j = grid_step(lat, -90, 90);
    uint64_t pos = 0;
    for (int b = CELL_LEVEL - 1; b >= 0; b--)
        pos = pos * 4 + ((i >> b) & 1) * 2 + ((j >> b) & 1);
    out[0] = 0x1e;
    return 1 + fast_small_int((int64_t)(pos * 2 + 1), out + 1);
}
