// A small C ABI over libtorch. Every aten operator is reached through one boxed entry point
// (ts_op_find + ts_op_call), so autograd, dtype promotion and device dispatch stay libtorch's own.
// Only APIs present in both libtorch 1.13 and 2.x are used.
#pragma once
#include <stdint.h>

#if defined(_WIN32)
#define TS_API extern "C" __declspec(dllexport)
#else
#define TS_API extern "C" __attribute__((visibility("default")))
#endif

// Kinds of values passed in (ts_arg) and out (ts_result). Keep in sync with NativeKind in C#.
enum ts_kind : int32_t {
  TS_NONE = 0,        // None / an undefined tensor
  TS_TENSOR = 1,      // p: at::Tensor*
  TS_INT = 2,         // i
  TS_DOUBLE = 3,      // d
  TS_BOOL = 4,        // i != 0
  TS_INT_LIST = 5,    // p: const int64_t*, n
  TS_TENSOR_LIST = 6, // p: at::Tensor* const*, n (a null entry is None in Tensor?[])
  TS_DOUBLE_LIST = 7, // p: const double*, n
  TS_STRING = 8,      // p: const char* (UTF-8, NUL-terminated)
  TS_GENERATOR = 9,   // p: at::Generator*
  TS_BOOL_LIST = 10,  // p: const uint8_t*, n
  TS_DEFAULT = 11,    // the schema's default value
};

typedef struct {
  int32_t kind;
  int32_t reserved;
  int64_t i;
  double d;
  void* p;
  int64_t n;
} ts_arg;

typedef struct {
  int32_t kind;
  int32_t reserved;
  int64_t i;
  double d;
  void* p;
} ts_result;

typedef struct {
  int64_t dim;
  int64_t numel;
  int32_t dtype;        // c10::ScalarType
  int32_t device_type;  // c10::DeviceType (0 cpu, 1 cuda)
  int32_t device_index;
  int32_t requires_grad;
  int32_t is_contiguous;
  int32_t is_leaf;
  int64_t element_size;
} ts_info;

// Errors: functions returning int give 0 on success and -1 on failure; the message is then in
// ts_last_error() (per thread) until the next failing call.
TS_API const char* ts_last_error();
TS_API const char* ts_version();

// Operators.
TS_API int ts_op_find(const char* name, const char* overload, void** out_op);
TS_API int ts_op_exists(const char* name, const char* overload);
TS_API int ts_op_schema(void* op, char* buffer, int64_t capacity);
// Calls the operator. Results beyond `capacity` are kept per thread; fetch them with ts_take_overflow.
TS_API int ts_op_call(void* op, const ts_arg* args, int32_t nargs, ts_result* results, int32_t capacity,
                      int32_t* nresults);
TS_API int ts_take_overflow(ts_result* results, int32_t count);

// Tensor lifetime, metadata and data.
TS_API void ts_tensor_free(void* t);
TS_API void* ts_tensor_alias(void* t);
TS_API int ts_tensor_info(void* t, ts_info* out);
TS_API int ts_tensor_sizes(void* t, int64_t* out, int32_t capacity);
TS_API int ts_tensor_strides(void* t, int64_t* out, int32_t capacity);
TS_API int ts_tensor_empty(const int64_t* sizes, int32_t ndim, int32_t dtype, int32_t device_type,
                           int32_t device_index, void** out);
TS_API int ts_tensor_from_data(const void* data, int64_t nbytes, const int64_t* sizes, int32_t ndim, int32_t dtype,
                               void** out);
TS_API int ts_tensor_copy_to(void* t, void* dst, int64_t nbytes);
TS_API void* ts_tensor_data_ptr(void* t);
TS_API int ts_tensor_set_data(void* t, void* src);

// Autograd.
TS_API int ts_tensor_set_requires_grad(void* t, int32_t requires_grad);
TS_API int ts_tensor_grad(void* t, void** out);
TS_API int ts_tensor_set_grad(void* t, void* grad);
TS_API int ts_tensor_retain_grad(void* t);
TS_API int ts_tensor_grad_fn_name(void* t, char* buffer, int64_t capacity);
TS_API int ts_autograd_backward(void* const* tensors, void* const* grads, int32_t n, int32_t retain_graph,
                                int32_t create_graph);
TS_API int ts_autograd_grad(void* const* outputs, void* const* grad_outputs, int32_t nout, void* const* inputs,
                            int32_t nin, int32_t retain_graph, int32_t create_graph, int32_t allow_unused,
                            void** results);
// Activation checkpointing (torch.utils.checkpoint): ts_checkpoint runs fn(inputs) without recording its graph and
// returns its outputs attached to one autograd node; that node's backward runs fn again with grad enabled on detached
// copies of the inputs and back-propagates through the recomputation. fn must be deterministic. The inputs are kept
// (saved for backward) until the node is freed; release(ctx) is called once, when nothing can call fn any more.
// fn receives borrowed input handles, writes up to `capacity` new output handles (ownership passes to the shim) and
// their count, and returns 0, or -1 with a NUL-terminated message in `error` (at most error_capacity bytes).
typedef int32_t (*ts_checkpoint_fn)(void* ctx, void* const* inputs, int32_t nin, void** outputs, int32_t capacity,
                                    int32_t* nout, char* error, int64_t error_capacity);
typedef void (*ts_checkpoint_release)(void* ctx);
TS_API int ts_checkpoint(ts_checkpoint_fn fn, ts_checkpoint_release release, void* ctx, void* const* inputs, int32_t nin,
                         void** outputs, int32_t capacity, int32_t* nout);
TS_API int32_t ts_grad_enabled();
TS_API void ts_set_grad_enabled(int32_t enabled);

// Random generators.
TS_API int ts_generator_new(int32_t device_type, int32_t device_index, uint64_t seed, void** out);
TS_API void ts_generator_free(void* g);
TS_API int ts_generator_set_seed(void* g, uint64_t seed);
TS_API uint64_t ts_generator_seed(void* g);
TS_API int ts_generator_get_state(void* g, void** out);
TS_API int ts_generator_set_state(void* g, void* state);
TS_API void ts_manual_seed(uint64_t seed);

// Runtime.
TS_API void ts_set_num_threads(int32_t n);
TS_API int32_t ts_get_num_threads();
TS_API int32_t ts_cuda_device_count();
TS_API int ts_cuda_synchronize(int32_t device_index);
