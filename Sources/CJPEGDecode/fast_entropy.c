// See fast_entropy.h. Huffman decoding as in ITU-T T.81 (JPEG) F.2.2 and annex C; the tables are
// built as jdhuff.c's jpeg_make_d_derived_tbl builds its own, from the same JHUFF_TBLs libjpeg read.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jpegint.h>
#include "fast_entropy.h"

/// Bits looked up at once: a code and its extra bits that fit in these are one table entry.
#define LOOKUP_BITS 11

// The IDCT size libjpeg chose for a component: one field in the libjpeg 6b API (Debian's
// libjpeg62-turbo), two in the 7/8 API (Ubuntu's libjpeg-turbo8), as libjpeg-turbo's jpegcomp.h maps it.
#if JPEG_LIB_VERSION >= 70
#define SCALED_SIZE(component) ((component)->DCT_h_scaled_size)
#else
#define SCALED_SIZE(component) ((component)->DCT_scaled_size)
#endif

/// Zigzag to natural order (T.81 figure A.6), with 16 extra 63s as libjpeg's jpeg_natural_order has:
/// a zero run past the end of a corrupt block stores at 63, as there.
static const int natural_order[64 + 16] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63, 63, 63,
    63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63};

typedef struct {
    /// Indexed by the next LOOKUP_BITS bits: (value << 16) | (advance << 8) | bits, where `bits` is
    /// the code's length plus its extra bits (0: not in the table, see `codes`), `value` the
    /// coefficient (or DC difference) they make, and `advance` for AC the zigzag positions passed
    /// (run + 1, 16 for ZRL, 0 for EOB).
    int32_t entries[1 << LOOKUP_BITS];
    /// Indexed the same way: (code length << 8) | symbol, for codes of up to LOOKUP_BITS; 0 if longer.
    uint16_t codes[1 << LOOKUP_BITS];
    /// For AC coefficients nobody reads, indexed the same way: as many whole symbols (code and extra
    /// bits) as the bits hold, up to and with an EOB, and the first of them alone (see `skip_entry`).
    uint32_t skips[1 << LOOKUP_BITS];
    /// T.81 F.2.2.3's MAXCODE and VALPTR - MINCODE for each length, -1 when there is no code of it.
    int32_t maxcode[17];
    int32_t valoffset[17];
    uint8_t symbols[256];
} fast_table;

typedef struct {
    uint64_t buffer;       ///< the next bits, most significant first
    int bits;              ///< bits in `buffer` (those past it are the true next bits, or zero)
    int padding;           ///< zero bits appended at the end of `bits` after `next` stopped
    int stopped;           ///< `next` is at a marker or the end: only zeros are appended from here
    const JOCTET *next;    ///< the next byte of entropy-coded data
    const JOCTET *end;
} bit_reader;

typedef struct {
    struct jpeg_entropy_decoder pub;   ///< first: libjpeg calls through `cinfo->entropy`, which is this
    bit_reader reader;
    const fast_table *dc[D_MAX_BLOCKS_IN_MCU];
    const fast_table *ac[D_MAX_BLOCKS_IN_MCU];
    int ac_needed[D_MAX_BLOCKS_IN_MCU];
    int last_dc[MAX_COMPS_IN_SCAN];
    unsigned int restarts_to_go;
    int next_restart;
    void (*decline)(j_decompress_ptr cinfo, const char *why);
    /// [0]: DC, [1]: AC, by table number; last, and built only for the tables the scan uses.
    fast_table tables[2][NUM_HUFF_TBLS];
} fast_entropy;

/// Declines the data (`decline` longjmps); never returns, whatever `decline` does.
__attribute__((noreturn)) static void give_up(j_decompress_ptr cinfo, const fast_entropy *state, const char *why) {
    state->decline(cinfo, why);
    abort();
}

/// T.81 F.2.2.1's EXTEND: `bits` extra bits `x` as a signed value (libjpeg's HUFF_EXTEND).
static inline int extend(int x, int bits) {
    return x < (1 << (bits - 1)) ? x - (1 << bits) + 1 : x;
}

// A skip entry: bits 0-4 the bits of all its symbols, 5-11 the zigzag positions they pass, 12 set if
// the last is an EOB; bits 16-28 the same for the first symbol alone. 0: no symbol fits (slow path).
#define SKIP_BITS(entry) ((entry) & 31)
#define SKIP_ADVANCE(entry) (((entry) >> 5) & 127)
#define SKIP_EOB(entry) (((entry) >> 12) & 1)

/// The skip entry for `index`, from the single-symbol entries already made.
static uint32_t skip_entry(const fast_table *table, unsigned int index) {
    uint32_t all = 0, first = 0;
    int used = 0, advance = 0;
    for (;;) {
        unsigned int peek = (index << used) & ((1u << LOOKUP_BITS) - 1);  // the bits after `used`
        int32_t entry = table->entries[peek];
        int bits = entry & 0xFF;
        if (!bits || used + bits > LOOKUP_BITS) break;  // not whole in what is left
        used += bits;
        int step = (entry >> 8) & 0xFF, eob = step == 0;
        advance += step;
        all = (uint32_t)used | (uint32_t)advance << 5 | (uint32_t)eob << 12;
        if (!first) first = all;
        if (eob || advance >= 64) break;
    }
    return all | first << 16;
}

/// Builds `table` from libjpeg's `source` (T.81 annex C). Returns 0 for a table libjpeg would refuse.
static int build_table(fast_table *table, const JHUFF_TBL *source, int is_dc) {
    char lengths[257];
    unsigned int codes[257];
    int count = 0;
    for (int length = 1; length <= 16; length++) {
        for (int i = 0; i < source->bits[length]; i++) {
            if (count >= 256) return 0;
            lengths[count++] = (char)length;
        }
    }
    lengths[count] = 0;
    for (int p = 0; is_dc && p < count; p++) {
        if (source->huffval[p] > 15) return 0;  // a DC difference has 0 to 15 extra bits
    }
    unsigned int code = 0;
    int size = lengths[0];
    for (int p = 0; lengths[p];) {
        while (lengths[p] == size) codes[p++] = code++;
        if (code >= (1u << size)) return 0;  // more codes than the length has room for
        code <<= 1;
        size++;
    }
    memcpy(table->symbols, source->huffval, sizeof table->symbols);
    memset(table->entries, 0, sizeof table->entries);
    memset(table->codes, 0, sizeof table->codes);
    int p = 0;
    for (int length = 1; length <= 16; length++) {
        if (source->bits[length]) {
            table->valoffset[length] = p - (int32_t)codes[p];
            p += source->bits[length];
            table->maxcode[length] = (int32_t)codes[p - 1];
        } else {
            table->maxcode[length] = -1;
            table->valoffset[length] = 0;
        }
    }
    for (p = 0; p < count; p++) {
        int length = lengths[p];
        if (length > LOOKUP_BITS) break;
        int symbol = source->huffval[p];
        int run = is_dc ? 0 : symbol >> 4, extra = is_dc ? symbol : symbol & 15;
        int advance = is_dc ? 0 : (extra ? run + 1 : (run == 15 ? 16 : 0));
        int first = (int)(codes[p] << (LOOKUP_BITS - length)), span = 1 << (LOOKUP_BITS - length);
        for (int index = first; index < first + span; index++) {
            table->codes[index] = (uint16_t)(length << 8 | symbol);
            if (length + extra > LOOKUP_BITS) continue;  // its extra bits do not fit: the slow path
            int value = 0;
            if (extra) value = extend((index >> (LOOKUP_BITS - length - extra)) & ((1 << extra) - 1), extra);
            table->entries[index] = (int32_t)((uint32_t)value << 16) | advance << 8 | (length + extra);
        }
    }
    if (!is_dc) {
        for (unsigned int index = 0; index < (1u << LOOKUP_BITS); index++) table->skips[index] = skip_entry(table, index);
    }
    return 1;
}

static inline int has_ff_byte(uint64_t word) {
    uint64_t inverted = ~word;  // an 0xFF byte is a zero byte here
    return ((inverted - 0x0101010101010101ull) & ~inverted & 0x8080808080808080ull) != 0;
}

/// Appends bytes until more than 56 bits are buffered; after a marker or the data's end, zero bits,
/// counted in `padding`. 0xFF 0x00 is one data byte 0xFF; 0xFF then anything else stops the data, also
/// 0xFF 0xFF 0x00: libjpeg's slow path reads that as a data byte 0xFF, but its fast path first reads
/// it as a marker and redoes the MCU in the slow path over the coefficients it had stored, so what
/// libjpeg-turbo 2.1 makes of it depends on where it falls (this decoder declines such data).
static void refill_slowly(bit_reader *reader) {
    while (reader->bits <= 56) {
        unsigned int byte = 0;
        if (!reader->stopped) {
            if (reader->next >= reader->end) {
                reader->stopped = 1;
            } else if (reader->next[0] != 0xFF) {
                byte = *reader->next++;
            } else if (reader->next + 1 < reader->end && reader->next[1] == 0x00) {
                byte = 0xFF;
                reader->next += 2;
            } else {
                reader->stopped = 1;  // `next` stays on the marker's first 0xFF
            }
        }
        if (reader->stopped) reader->padding += 8;
        reader->buffer |= (uint64_t)byte << (56 - reader->bits);
        reader->bits += 8;
    }
}

// decode_mcu keeps the reader's buffer, bit count and next byte in locals (registers: the reader's
// address is never taken in the loops) and stores them back around the rare calls that need them.
#define SAVE_READER() (state->reader.buffer = buffer, state->reader.bits = bits, state->reader.next = next)
#define LOAD_READER() (buffer = state->reader.buffer, bits = state->reader.bits, next = state->reader.next)

/// Tops the buffer up to 56 bits or more: 8 bytes at once when none of them is 0xFF (the bits that
/// land past `bits` are then the true next bits, which the next append repeats), else byte by byte.
#define REFILL()                                                                   \
    do {                                                                           \
        if (bits < 32) {                                                           \
            uint64_t word;                                                         \
            if (!state->reader.stopped && state->reader.end - next >= 8            \
                && (memcpy(&word, next, 8), !has_ff_byte(word))) {                 \
                buffer |= BIG_ENDIAN_WORD(word) >> bits;                           \
                next += (63 - bits) >> 3;                                          \
                bits |= 56;                                                        \
            } else {                                                               \
                SAVE_READER();                                                     \
                refill_slowly(&state->reader);                                     \
                LOAD_READER();                                                     \
            }                                                                      \
        }                                                                          \
    } while (0)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BIG_ENDIAN_WORD(word) __builtin_bswap64(word)
#else
#define BIG_ENDIAN_WORD(word) (word)
#endif
#define PEEK() ((unsigned int)(buffer >> (64 - LOOKUP_BITS)))
#define DROP(n) (buffer <<= (n), bits -= (n))

/// The next symbol, for codes the lookup does not settle; `reader` holds 16 bits or more. Returns -1
/// for a bit pattern that is no code of the table.
static int decode_symbol(bit_reader *reader, const fast_table *table) {
    unsigned int entry = table->codes[reader->buffer >> (64 - LOOKUP_BITS)];
    int length = (int)(entry >> 8), symbol = (int)(entry & 0xFF);
    if (!entry) {
        for (length = LOOKUP_BITS + 1; length <= 16; length++) {
            int32_t code = (int32_t)(reader->buffer >> (64 - length));
            if (code <= table->maxcode[length]) break;
        }
        if (length > 16) return -1;
        symbol = table->symbols[((int32_t)(reader->buffer >> (64 - length)) + table->valoffset[length]) & 0xFF];
    }
    reader->buffer <<= length;
    reader->bits -= length;
    return symbol;
}

/// The next symbol the lookup does not settle, in `symbol`, or declines.
#define DECODE_SYMBOL(symbol, table)                                                   \
    do {                                                                               \
        SAVE_READER();                                                                 \
        symbol = decode_symbol(&state->reader, table);                                 \
        LOAD_READER();                                                                 \
        if (symbol < 0) give_up(cinfo, state, "a bad Huffman code");                   \
    } while (0)

/// `n` (1 to 15) buffered extra bits as a signed value.
#define RECEIVE_EXTEND(n) (extend((int)(buffer >> (64 - (n))), (n)))

/// A restart marker is due (T.81 E.2.4): the data before it must be used up to less than a byte of
/// padding, and the marker must be the RSTn next in turn; the DC predictions start again.
static void restart(j_decompress_ptr cinfo, fast_entropy *state) {
    bit_reader *reader = &state->reader;
    if (!reader->stopped) refill_slowly(reader);  // reaches the marker if the data is used up
    if (!reader->stopped || reader->bits - reader->padding >= 8) {
        give_up(cinfo, state, "data left before a restart marker");
    }
    const JOCTET *marker = reader->next, *end = reader->end;
    while (marker + 1 < end && marker[1] == 0xFF) marker++;  // fill bytes before the marker
    if (end - marker < 2 || marker[0] != 0xFF || marker[1] != JPEG_RST0 + state->next_restart) {
        give_up(cinfo, state, "not the restart marker next in turn");
    }
    const JOCTET *next = marker + 2;
    memset(reader, 0, sizeof *reader);
    reader->next = next;
    reader->end = end;
    memset(state->last_dc, 0, sizeof state->last_dc);
    state->restarts_to_go = cinfo->restart_interval;
    state->next_restart = (state->next_restart + 1) & 7;
}

static boolean decode_mcu(j_decompress_ptr cinfo, JBLOCKROW *blocks) {
    fast_entropy *state = (fast_entropy *)cinfo->entropy;
    if (cinfo->restart_interval) {
        if (state->restarts_to_go == 0) restart(cinfo, state);
        state->restarts_to_go--;
    }
    uint64_t buffer;
    int bits;
    const JOCTET *next;
    LOAD_READER();
    for (int blkn = 0; blkn < cinfo->blocks_in_MCU; blkn++) {
        JCOEF *block = blocks ? blocks[blkn][0] : NULL;
        const fast_table *dc = state->dc[blkn], *ac = state->ac[blkn];

        REFILL();
        int32_t entry = dc->entries[PEEK()];
        int difference;
        if (entry & 0xFF) {
            DROP(entry & 0xFF);
            difference = entry >> 16;
        } else {
            int size;
            DECODE_SYMBOL(size, dc);
            difference = 0;
            if (size) {
                difference = RECEIVE_EXTEND(size);
                DROP(size);
            }
        }
        int *last = &state->last_dc[cinfo->MCU_membership[blkn]];
        *last = (int)((unsigned int)*last + (unsigned int)difference);  // wraps as libjpeg's does
        if (block) block[0] = (JCOEF)*last;

        if (block && state->ac_needed[blkn]) {
            for (int k = 1; k < DCTSIZE2;) {
                REFILL();
                entry = ac->entries[PEEK()];
                if (entry & 0xFF) {
                    DROP(entry & 0xFF);
                    int advance = (entry >> 8) & 0xFF;
                    if (!advance) break;  // EOB
                    k += advance;
                    block[natural_order[k - 1]] = (JCOEF)(entry >> 16);  // ZRL stores a 0: a no-op
                } else {
                    int symbol;
                    DECODE_SYMBOL(symbol, ac);
                    int run = symbol >> 4, size = symbol & 15;
                    if (size) {
                        k += run;
                        block[natural_order[k]] = (JCOEF)RECEIVE_EXTEND(size);
                        DROP(size);
                        k++;
                    } else {
                        if (run != 15) break;
                        k += 16;
                    }
                }
            }
        } else {
            for (int k = 1; k < DCTSIZE2;) {
                REFILL();
                uint32_t skip = ac->skips[PEEK()];
                if (skip) {
                    // All its symbols belong to this block if it has room for them (an EOB needs one
                    // position left to be this block's); else only the first does.
                    if (k + SKIP_ADVANCE(skip) + SKIP_EOB(skip) > DCTSIZE2) skip >>= 16;
                    DROP(SKIP_BITS(skip));
                    if (SKIP_EOB(skip)) break;
                    k += SKIP_ADVANCE(skip);
                } else {
                    int symbol;
                    DECODE_SYMBOL(symbol, ac);
                    int run = symbol >> 4, size = symbol & 15;
                    if (size) {
                        DROP(size);
                        k += run + 1;
                    } else {
                        if (run != 15) break;
                        k += 16;
                    }
                }
            }
        }
    }
    SAVE_READER();
    // Bits past the data were used: libjpeg's decoder would warn and decode zeros from here.
    if (state->reader.padding > bits) give_up(cinfo, state, "the data ends inside an MCU");
    return TRUE;
}

int fast_entropy_install(j_decompress_ptr cinfo, void (*decline)(j_decompress_ptr cinfo, const char *why)) {
    if (cinfo->progressive_mode || cinfo->arith_code || cinfo->data_precision != 8 || jpeg_has_multiple_scans(cinfo)
        || cinfo->comps_in_scan != cinfo->num_components || cinfo->output_scanline != 0 || cinfo->unread_marker != 0
        || cinfo->blocks_in_MCU > D_MAX_BLOCKS_IN_MCU) {
        return 0;
    }
    for (int ci = 0; ci < cinfo->comps_in_scan; ci++) {
        if (!cinfo->cur_comp_info[ci]->component_needed) return 0;
    }
    fast_entropy *state = (fast_entropy *)(*cinfo->mem->alloc_large)((j_common_ptr)cinfo, JPOOL_IMAGE, sizeof(fast_entropy));
    memset(state, 0, offsetof(fast_entropy, tables));  // build_table sets what is read of a table
    int built[2][NUM_HUFF_TBLS] = {{0}};
    for (int blkn = 0; blkn < cinfo->blocks_in_MCU; blkn++) {
        const jpeg_component_info *component = cinfo->cur_comp_info[cinfo->MCU_membership[blkn]];
        int numbers[2] = {component->dc_tbl_no, component->ac_tbl_no};
        for (int kind = 0; kind < 2; kind++) {
            int number = numbers[kind];
            if (number < 0 || number >= NUM_HUFF_TBLS) return 0;
            JHUFF_TBL *source = kind == 0 ? cinfo->dc_huff_tbl_ptrs[number] : cinfo->ac_huff_tbl_ptrs[number];
            if (source == NULL) return 0;
            if (!built[kind][number]) {
                if (!build_table(&state->tables[kind][number], source, kind == 0)) return 0;
                built[kind][number] = 1;
            }
        }
        state->dc[blkn] = &state->tables[0][numbers[0]];
        state->ac[blkn] = &state->tables[1][numbers[1]];
        state->ac_needed[blkn] = SCALED_SIZE(component) > 1;
    }
    state->reader.next = cinfo->src->next_input_byte;
    state->reader.end = cinfo->src->next_input_byte + cinfo->src->bytes_in_buffer;
    state->restarts_to_go = cinfo->restart_interval;
    state->decline = decline;
    state->pub.start_pass = cinfo->entropy->start_pass;  // called again only for another scan: never here
    state->pub.decode_mcu = decode_mcu;
    state->pub.insufficient_data = FALSE;
    cinfo->entropy = &state->pub;
    return 1;
}
