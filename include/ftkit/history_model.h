/* ftkit: a native (C or C++) sequential model for ftkit's linearizability checker.
 *
 * Porcupine's Model as a C struct of function pointers, so a model compiled by any compiler
 * into any extension module plugs into the checker inside ftkit._core without linking to it:
 * the extension hands the struct over in a PyCapsule named FTKIT_HISTORY_MODEL_CAPSULE, and
 * `ftkit.history.check(ops, capsule)` (or an object whose `__ftkit_history_model__` attribute
 * is that capsule) checks with it, the steps running in C with the GIL released.
 *
 * A state is an array of int64 words. Two states are the same iff `equal` says so (default:
 * same words), and `hash` must agree with `equal` (default: a hash of the words). The checker
 * interns states and caches transitions, so step must be pure: same inputs, same answer.
 *
 *   static size_t init(void *ctx, int64_t *out, size_t cap) { if (cap) out[0] = 0; return 1; }
 *   static int step(void *ctx, const int64_t *from, size_t n, const ftkit_history_op *op,
 *                   int64_t *to, size_t cap, size_t *to_len) {
 *       *to_len = 1;                         // a counter: inc() -> old value, get() -> value
 *       to[0] = op->kind == 0 ? from[0] + 1 : from[0];
 *       return op->unknown || op->output == from[0];
 *   }
 *   static const char *const kinds[] = {"inc", "get"};
 *   static ftkit_history_model counter = {FTKIT_HISTORY_MODEL_ABI, NULL, kinds, 2, init, step, NULL, NULL};
 *   ... PyCapsule_New(&counter, FTKIT_HISTORY_MODEL_CAPSULE, NULL)
 *
 * The struct and its kind names must outlive every check that uses them (static storage is
 * simplest). Only plain C types: the layout is the ABI, versioned by FTKIT_HISTORY_MODEL_ABI.
 */
#ifndef FTKIT_HISTORY_MODEL_H
#define FTKIT_HISTORY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define FTKIT_HISTORY_MODEL_ABI 1
#define FTKIT_HISTORY_MODEL_CAPSULE "ftkit.history.model"
/* The value of an absent integer input or output (a read's input; a never-written register). */
#define FTKIT_HISTORY_NONE INT64_MIN

#ifdef __cplusplus
extern "C" {
#endif

/* One operation as the model sees it. kind is the position of the op's name in kind_names. */
typedef struct ftkit_history_op {
    int32_t thread;
    int32_t kind;
    int64_t input;      /* first integer argument, or FTKIT_HISTORY_NONE */
    int64_t input2;     /* second integer argument (cas's new value), or FTKIT_HISTORY_NONE */
    int64_t output;     /* integer result (bools as 0/1), or FTKIT_HISTORY_NONE */
    const char *text_in;   /* string argument (not NUL-terminated), text_in_len bytes */
    size_t text_in_len;
    const char *text_out;  /* string result, text_out_len bytes */
    size_t text_out_len;
    int unknown;        /* the result was not observed (crash, timeout): accept any result */
} ftkit_history_op;

typedef struct ftkit_history_model {
    uint32_t abi;                    /* FTKIT_HISTORY_MODEL_ABI */
    void *context;                   /* passed to every function */
    const char *const *kind_names;   /* operation names, by kind code */
    size_t kinds;
    /* Write the initial state into out[0..cap); return its length in words. A length above
     * cap means "call again with that much room" (nothing need be written then). */
    size_t (*init)(void *context, int64_t *out, size_t cap);
    /* op applied to `from`: return 0 if op's recorded result is impossible there, else 1 with
     * the next state in to[0..*to_len). If the next state needs more than cap words, set
     * *to_len to its length and return 1 without writing: the checker calls again with room. */
    int (*step)(void *context, const int64_t *from, size_t from_len, const ftkit_history_op *op, int64_t *to,
                size_t cap, size_t *to_len);
    /* Optional (NULL: word-wise): state equality, and a hash consistent with it. */
    int (*equal)(void *context, const int64_t *a, size_t a_len, const int64_t *b, size_t b_len);
    uint64_t (*hash)(void *context, const int64_t *state, size_t len);
} ftkit_history_model;

#ifdef __cplusplus
}
#endif

#endif /* FTKIT_HISTORY_MODEL_H */
