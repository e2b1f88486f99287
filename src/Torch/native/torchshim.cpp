#include "torchshim.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/function.h>
#include <torch/custom_class.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

thread_local std::string last_error;
thread_local std::vector<ts_result> overflow;

template <typename F>
int guarded(F&& f) {
  try {
    f();
    return 0;
  } catch (const c10::Error& e) {
    last_error = e.what_without_backtrace();
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown native error";
  }
  return -1;
}

at::Tensor& T(void* t) {
  if (t == nullptr) throw std::invalid_argument("null tensor handle");
  return *static_cast<at::Tensor*>(t);
}

void* wrap(at::Tensor t) { return new at::Tensor(std::move(t)); }

// How a schema argument wants its value, decided once per operator from the schema's type text,
// which reads the same in libtorch 1.13 and 2.x (SymInt arguments show their int "fake" type there).
enum class ArgType { Tensor, TensorList, OptTensorList, Int, IntList, Double, DoubleList, Bool, BoolList, Scalar,
                     Generator, Device, String, Other };

struct ArgSpec {
  ArgType type;
  bool optional;
  c10::optional<int64_t> fixed_len;
  c10::optional<c10::IValue> default_value;
  std::string name;
};

ArgSpec classify(const c10::Argument& a) {
  std::string s = a.type()->str();
  auto n = a.N();
  ArgSpec spec{ArgType::Other, false, n ? c10::optional<int64_t>(*n) : c10::nullopt, a.default_value(), a.name()};
  if (s == "Tensor?[]") { spec.type = ArgType::OptTensorList; return spec; }
  if (!s.empty() && s.back() == '?') { spec.optional = true; s.pop_back(); }
  if (s == "Tensor") spec.type = ArgType::Tensor;
  else if (s == "Tensor[]") spec.type = ArgType::TensorList;
  else if (s == "int" || s == "SymInt" || s == "ScalarType" || s == "Layout" || s == "MemoryFormat") spec.type = ArgType::Int;
  else if (s == "int[]" || s == "SymInt[]") spec.type = ArgType::IntList;
  else if (s == "float") spec.type = ArgType::Double;
  else if (s == "float[]") spec.type = ArgType::DoubleList;
  else if (s == "bool") spec.type = ArgType::Bool;
  else if (s == "bool[]") spec.type = ArgType::BoolList;
  else if (s == "Scalar") spec.type = ArgType::Scalar;
  else if (s == "Generator") spec.type = ArgType::Generator;
  else if (s == "Device") spec.type = ArgType::Device;
  else if (s == "str") spec.type = ArgType::String;
  return spec;
}

struct OpInfo {
  c10::OperatorHandle handle;
  std::vector<ArgSpec> args;
  std::string display;
};

std::string kind_name(int32_t k) {
  switch (k) {
    case TS_NONE: return "None";
    case TS_TENSOR: return "Tensor";
    case TS_INT: return "int";
    case TS_DOUBLE: return "float";
    case TS_BOOL: return "bool";
    case TS_INT_LIST: return "int[]";
    case TS_TENSOR_LIST: return "Tensor[]";
    case TS_DOUBLE_LIST: return "float[]";
    case TS_STRING: return "str";
    case TS_GENERATOR: return "Generator";
    case TS_BOOL_LIST: return "bool[]";
    default: return "kind " + std::to_string(k);
  }
}

[[noreturn]] void bad_arg(const OpInfo& op, const ArgSpec& spec, const ts_arg& a) {
  throw std::invalid_argument(op.display + ": argument '" + spec.name + "' cannot take a " + kind_name(a.kind));
}

c10::IValue to_ivalue(const OpInfo& op, const ArgSpec& spec, const ts_arg* a) {
  if (a == nullptr || a->kind == TS_DEFAULT) {
    if (spec.default_value) return *spec.default_value;
    if (spec.optional) return c10::IValue();
    throw std::invalid_argument(op.display + ": missing required argument '" + spec.name + "'");
  }
  if (a->kind == TS_NONE || (a->kind == TS_TENSOR && a->p == nullptr)) {
    if (spec.optional) return c10::IValue();
    throw std::invalid_argument(op.display + ": argument '" + spec.name + "' may not be None");
  }
  switch (spec.type) {
    case ArgType::Tensor:
      if (a->kind == TS_TENSOR) return c10::IValue(T(a->p));
      break;
    case ArgType::TensorList:
    case ArgType::OptTensorList:
      if (a->kind == TS_TENSOR_LIST) {
        auto* hs = static_cast<void* const*>(a->p);
        if (spec.type == ArgType::TensorList) {
          c10::List<at::Tensor> list;
          list.reserve(a->n);
          for (int64_t k = 0; k < a->n; k++) list.push_back(T(hs[k]));
          return c10::IValue(list);
        }
        c10::List<c10::optional<at::Tensor>> list;
        list.reserve(a->n);
        for (int64_t k = 0; k < a->n; k++)
          list.push_back(hs[k] ? c10::optional<at::Tensor>(T(hs[k])) : c10::optional<at::Tensor>());
        return c10::IValue(list);
      }
      break;
    case ArgType::Int:
      if (a->kind == TS_INT) return c10::IValue(a->i);
      break;
    case ArgType::IntList:
      if (a->kind == TS_INT_LIST) {
        auto* v = static_cast<const int64_t*>(a->p);
        return c10::IValue(std::vector<int64_t>(v, v + a->n));
      }
      if (a->kind == TS_INT && spec.fixed_len) return c10::IValue(std::vector<int64_t>(*spec.fixed_len, a->i));
      break;
    case ArgType::Double:
      if (a->kind == TS_DOUBLE) return c10::IValue(a->d);
      if (a->kind == TS_INT) return c10::IValue(static_cast<double>(a->i));
      break;
    case ArgType::DoubleList:
      if (a->kind == TS_DOUBLE_LIST) {
        auto* v = static_cast<const double*>(a->p);
        return c10::IValue(std::vector<double>(v, v + a->n));
      }
      break;
    case ArgType::Bool:
      if (a->kind == TS_BOOL) return c10::IValue(a->i != 0);
      break;
    case ArgType::BoolList:
      if (a->kind == TS_BOOL_LIST) {
        auto* v = static_cast<const uint8_t*>(a->p);
        c10::List<bool> list;
        for (int64_t k = 0; k < a->n; k++) list.push_back(v[k] != 0);
        return c10::IValue(list);
      }
      break;
    case ArgType::Scalar:
      if (a->kind == TS_INT) return c10::IValue(a->i);
      if (a->kind == TS_DOUBLE) return c10::IValue(a->d);
      if (a->kind == TS_BOOL) return c10::IValue(a->i != 0);
      break;
    case ArgType::Generator:
      if (a->kind == TS_GENERATOR) return c10::IValue(*static_cast<at::Generator*>(a->p));
      break;
    case ArgType::Device:
      if (a->kind == TS_STRING) return c10::IValue(c10::Device(std::string(static_cast<const char*>(a->p))));
      break;
    case ArgType::String:
      if (a->kind == TS_STRING) return c10::IValue(std::string(static_cast<const char*>(a->p)));
      break;
    case ArgType::Other:
      break;
  }
  bad_arg(op, spec, *a);
}

// Results go straight into the caller's array; those past its capacity wait in `overflow`.
struct ResultSink {
  ts_result* direct;
  int32_t capacity;
  int32_t count;
  void add(const ts_result& r) {
    if (count < capacity) direct[count] = r;
    else overflow.push_back(r);
    count++;
  }
};

// Takes the value by value so that a returned tensor is moved into its handle, not copied.
void push_result(ResultSink& out, c10::IValue v) {
  ts_result r{};
  if (v.isTensor()) {
    at::Tensor t = std::move(v).toTensor();
    if (t.defined()) { r.kind = TS_TENSOR; r.p = wrap(std::move(t)); } else { r.kind = TS_NONE; }
  } else if (v.isTensorList()) {
    for (const at::Tensor& t : v.toTensorVector()) push_result(out, c10::IValue(t));
    return;
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) push_result(out, e);
    return;
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) push_result(out, e);
    return;
  } else if (v.isInt()) { r.kind = TS_INT; r.i = v.toInt(); }
  else if (v.isDouble()) { r.kind = TS_DOUBLE; r.d = v.toDouble(); }
  else if (v.isBool()) { r.kind = TS_BOOL; r.i = v.toBool() ? 1 : 0; }
  else if (v.isNone()) { r.kind = TS_NONE; }
  else throw std::runtime_error("unsupported return type " + v.tagKind());
  out.add(r);
}

// Each thread keeps one argument stack's buffer between calls, saving an allocation per call. A call
// takes it (a nested call would find it empty and allocate its own) and puts it back when done.
thread_local torch::jit::Stack spare_stack;

std::mutex generator_mutex;

}  // namespace

TS_API const char* ts_last_error() { return last_error.c_str(); }

#define TS_STR2(x) #x
#define TS_STR(x) TS_STR2(x)
TS_API const char* ts_version() {
  return TS_STR(TORCH_VERSION_MAJOR) "." TS_STR(TORCH_VERSION_MINOR) "." TS_STR(TORCH_VERSION_PATCH);
}

TS_API int ts_op_find(const char* name, const char* overload, void** out_op) {
  return guarded([&] {
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    std::string display = std::string(name) + (overload[0] ? "." : "") + overload;
    if (!handle) throw std::invalid_argument("no operator " + display + " in this libtorch");
    auto info = std::make_unique<OpInfo>(OpInfo{*handle, {}, display});
    for (const auto& a : handle->schema().arguments()) info->args.push_back(classify(a));
    *out_op = info.release();
  });
}

TS_API int ts_op_exists(const char* name, const char* overload) {
  try {
    return c10::Dispatcher::singleton().findSchema({name, overload}).has_value() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

TS_API int ts_op_schema(void* op, char* buffer, int64_t capacity) {
  return guarded([&] {
    std::string s = c10::toString(static_cast<OpInfo*>(op)->handle.schema());
    std::strncpy(buffer, s.c_str(), capacity);
    if (capacity > 0) buffer[capacity - 1] = 0;
  });
}

TS_API int ts_op_call(void* opp, const ts_arg* args, int32_t nargs, ts_result* results, int32_t capacity,
                      int32_t* nresults) {
  return guarded([&] {
    const OpInfo& op = *static_cast<OpInfo*>(opp);
    if (nargs > static_cast<int32_t>(op.args.size()))
      throw std::invalid_argument(op.display + ": takes " + std::to_string(op.args.size()) + " arguments, got " +
                                  std::to_string(nargs));
    torch::jit::Stack stack;
    stack.swap(spare_stack);
    stack.reserve(op.args.size());
    for (size_t k = 0; k < op.args.size(); k++)
      stack.push_back(to_ivalue(op, op.args[k], static_cast<int32_t>(k) < nargs ? &args[k] : nullptr));
    op.handle.callBoxed(stack);
    overflow.clear();
    ResultSink out{results, capacity, 0};
    for (auto& v : stack) push_result(out, std::move(v));
    *nresults = out.count;
    stack.clear();
    stack.swap(spare_stack);
  });
}

TS_API int ts_take_overflow(ts_result* results, int32_t count) {
  return guarded([&] {
    if (count != static_cast<int32_t>(overflow.size())) throw std::invalid_argument("overflow count mismatch");
    std::memcpy(results, overflow.data(), sizeof(ts_result) * count);
    overflow.clear();
  });
}

TS_API void ts_tensor_free(void* t) { delete static_cast<at::Tensor*>(t); }

TS_API void* ts_tensor_alias(void* t) { return wrap(T(t)); }

TS_API int ts_tensor_info(void* t, ts_info* out) {
  return guarded([&] {
    const at::Tensor& x = T(t);
    out->dim = x.dim();
    out->numel = x.numel();
    out->dtype = static_cast<int32_t>(x.scalar_type());
    out->device_type = static_cast<int32_t>(x.device().type());
    out->device_index = x.device().index();
    out->requires_grad = x.requires_grad();
    out->is_contiguous = x.is_contiguous();
    out->is_leaf = x.is_leaf();
    out->element_size = x.element_size();
  });
}

TS_API int ts_tensor_sizes(void* t, int64_t* out, int32_t capacity) {
  const at::Tensor& x = T(t);
  auto s = x.sizes();
  for (size_t k = 0; k < s.size() && static_cast<int32_t>(k) < capacity; k++) out[k] = s[k];
  return static_cast<int>(s.size());
}

TS_API int ts_tensor_strides(void* t, int64_t* out, int32_t capacity) {
  const at::Tensor& x = T(t);
  auto s = x.strides();
  for (size_t k = 0; k < s.size() && static_cast<int32_t>(k) < capacity; k++) out[k] = s[k];
  return static_cast<int>(s.size());
}

TS_API int ts_tensor_empty(const int64_t* sizes, int32_t ndim, int32_t dtype, int32_t device_type,
                           int32_t device_index, void** out) {
  return guarded([&] {
    auto opts = at::TensorOptions()
                    .dtype(static_cast<c10::ScalarType>(dtype))
                    .device(c10::Device(static_cast<c10::DeviceType>(device_type), device_index));
    *out = wrap(at::empty(c10::IntArrayRef(sizes, ndim), opts));
  });
}

TS_API int ts_tensor_from_data(const void* data, int64_t nbytes, const int64_t* sizes, int32_t ndim, int32_t dtype,
                               void** out) {
  return guarded([&] {
    at::Tensor t = at::empty(c10::IntArrayRef(sizes, ndim), at::TensorOptions().dtype(static_cast<c10::ScalarType>(dtype)));
    int64_t need = t.numel() * static_cast<int64_t>(t.element_size());
    if (need != nbytes)
      throw std::invalid_argument("data has " + std::to_string(nbytes) + " bytes, shape needs " + std::to_string(need));
    if (need > 0) std::memcpy(t.data_ptr(), data, need);
    *out = wrap(std::move(t));
  });
}

TS_API int ts_tensor_copy_to(void* t, void* dst, int64_t nbytes) {
  return guarded([&] {
    at::Tensor c = T(t).detach().to(at::kCPU).contiguous();
    int64_t have = c.numel() * static_cast<int64_t>(c.element_size());
    if (have != nbytes)
      throw std::invalid_argument("tensor has " + std::to_string(have) + " bytes, buffer " + std::to_string(nbytes));
    if (have > 0) std::memcpy(dst, c.data_ptr(), have);
  });
}

TS_API void* ts_tensor_data_ptr(void* t) { return T(t).data_ptr(); }

TS_API int ts_tensor_set_data(void* t, void* src) {
  return guarded([&] { T(t).set_data(T(src)); });
}

TS_API int ts_tensor_set_requires_grad(void* t, int32_t requires_grad) {
  return guarded([&] { T(t).set_requires_grad(requires_grad != 0); });
}

TS_API int ts_tensor_grad(void* t, void** out) {
  return guarded([&] {
    const at::Tensor& g = T(t).grad();
    *out = g.defined() ? wrap(g) : nullptr;
  });
}

TS_API int ts_tensor_set_grad(void* t, void* grad) {
  return guarded([&] {
    if (grad) T(t).mutable_grad() = T(grad);
    else T(t).mutable_grad().reset();
  });
}

TS_API int ts_tensor_retain_grad(void* t) {
  return guarded([&] { T(t).retain_grad(); });
}

TS_API int ts_tensor_grad_fn_name(void* t, char* buffer, int64_t capacity) {
  return guarded([&] {
    const auto& fn = T(t).grad_fn();
    std::string s = fn ? fn->name() : "";
    std::strncpy(buffer, s.c_str(), capacity);
    if (capacity > 0) buffer[capacity - 1] = 0;
  });
}

TS_API int ts_autograd_backward(void* const* tensors, void* const* grads, int32_t n, int32_t retain_graph,
                                int32_t create_graph) {
  return guarded([&] {
    torch::autograd::variable_list ts, gs;
    for (int32_t k = 0; k < n; k++) {
      ts.push_back(T(tensors[k]));
      gs.push_back(grads && grads[k] ? T(grads[k]) : at::Tensor());
    }
    torch::autograd::backward(ts, gs, retain_graph != 0, create_graph != 0);
  });
}

TS_API int ts_autograd_grad(void* const* outputs, void* const* grad_outputs, int32_t nout, void* const* inputs,
                            int32_t nin, int32_t retain_graph, int32_t create_graph, int32_t allow_unused,
                            void** results) {
  return guarded([&] {
    torch::autograd::variable_list os, gs, is;
    for (int32_t k = 0; k < nout; k++) {
      os.push_back(T(outputs[k]));
      gs.push_back(grad_outputs && grad_outputs[k] ? T(grad_outputs[k]) : at::Tensor());
    }
    for (int32_t k = 0; k < nin; k++) is.push_back(T(inputs[k]));
    auto r = torch::autograd::grad(os, is, gs, retain_graph != 0, create_graph != 0, allow_unused != 0);
    for (int32_t k = 0; k < nin; k++) results[k] = r[k].defined() ? wrap(r[k]) : nullptr;
  });
}

namespace {

// The caller's function and its context; releases the context when the last reference (the autograd node's) goes.
struct CheckpointCallback : torch::CustomClassHolder {
  ts_checkpoint_fn fn;
  ts_checkpoint_release release;
  void* ctx;
  CheckpointCallback(ts_checkpoint_fn f, ts_checkpoint_release r, void* c) : fn(f), release(r), ctx(c) {}
  ~CheckpointCallback() override { release(ctx); }

  // Where each of the caller's inputs sits among the defined ones the autograd node holds (-1: an undefined input).
  std::vector<int64_t> slots;

  torch::autograd::variable_list call(const torch::autograd::variable_list& defined) const {
    std::vector<void*> ins;
    for (int64_t slot : slots) ins.push_back(slot >= 0 ? const_cast<at::Tensor*>(&defined[slot]) : nullptr);
    std::vector<void*> outs(64, nullptr);
    int32_t n = 0;
    char error[1024] = {0};
    int32_t rc = fn(ctx, ins.data(), static_cast<int32_t>(ins.size()), outs.data(), static_cast<int32_t>(outs.size()), &n,
                    error, sizeof error);
    torch::autograd::variable_list result;
    for (int32_t k = 0; k < n && k < static_cast<int32_t>(outs.size()); k++) {
      std::unique_ptr<at::Tensor> owned(static_cast<at::Tensor*>(outs[k]));
      if (rc == 0) result.push_back(owned ? *owned : at::Tensor());
    }
    if (rc != 0) throw std::runtime_error(std::string("checkpointed function failed: ") + error);
    return result;
  }
};

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
  // The inputs come as a TensorList (not a variable_list) so that Function::apply counts each one as a variable.
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, at::TensorList inputs,
                                                c10::intrusive_ptr<CheckpointCallback> callback) {
    std::vector<int64_t> needs;
    for (const auto& t : inputs) needs.push_back(t.requires_grad() ? 1 : 0);
    ctx->save_for_backward(inputs.vec());
    ctx->saved_data["needs"] = needs;
    ctx->saved_data["callback"] = c10::IValue::make_capsule(callback);
    return callback->call(inputs.vec());  // the autograd Function runs forward with grad disabled
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    auto needs = ctx->saved_data["needs"].toIntVector();
    auto callback = c10::static_intrusive_pointer_cast<CheckpointCallback>(ctx->saved_data["callback"].toCapsule());
    torch::autograd::variable_list detached;
    for (size_t k = 0; k < saved.size(); k++) {
      at::Tensor d = saved[k].detach();
      if (needs[k]) d.requires_grad_(true);
      detached.push_back(d);
    }
    torch::autograd::variable_list outputs;
    {
      at::AutoGradMode enable(true);
      outputs = callback->call(detached);
    }
    torch::autograd::variable_list os, gs;
    for (size_t k = 0; k < outputs.size() && k < grad_outputs.size(); k++)
      if (outputs[k].defined() && outputs[k].requires_grad() && grad_outputs[k].defined()) {
        os.push_back(outputs[k]);
        gs.push_back(grad_outputs[k]);
      }
    // As reentrant torch.utils.checkpoint: a backward pass over the recomputed graph accumulates into every leaf it
    // reaches, so parameters the function uses get their gradients too; the inputs' are read off their detached copies.
    torch::autograd::variable_list grads(saved.size() + 1);  // the last slot: the callback argument, no gradient
    if (os.empty()) return grads;
    torch::autograd::backward(os, gs);
    for (size_t k = 0; k < saved.size(); k++)
      if (needs[k]) grads[k] = detached[k].grad();
    return grads;
  }
};

}  // namespace

TS_API int ts_checkpoint(ts_checkpoint_fn fn, ts_checkpoint_release release, void* ctx, void* const* inputs, int32_t nin,
                         void** outputs, int32_t capacity, int32_t* nout) {
  auto callback = c10::make_intrusive<CheckpointCallback>(fn, release, ctx);
  return guarded([&] {
    torch::autograd::variable_list ins;
    for (int32_t k = 0; k < nin; k++) {
      callback->slots.push_back(inputs[k] ? static_cast<int64_t>(ins.size()) : -1);
      if (inputs[k]) ins.push_back(T(inputs[k]));
    }
    auto outs = CheckpointFunction::apply(at::TensorList(ins), callback);
    if (static_cast<int32_t>(outs.size()) > capacity) throw std::length_error("more checkpoint outputs than capacity");
    for (size_t k = 0; k < outs.size(); k++) outputs[k] = outs[k].defined() ? wrap(outs[k]) : nullptr;
    *nout = static_cast<int32_t>(outs.size());
  });
}

TS_API int32_t ts_grad_enabled() { return c10::GradMode::is_enabled() ? 1 : 0; }

TS_API void ts_set_grad_enabled(int32_t enabled) { c10::GradMode::set_enabled(enabled != 0); }

TS_API int ts_generator_new(int32_t device_type, int32_t device_index, uint64_t seed, void** out) {
  return guarded([&] {
    c10::Device device(static_cast<c10::DeviceType>(device_type), device_index);
    std::lock_guard<std::mutex> lock(generator_mutex);
    auto& def = const_cast<at::Generator&>(at::globalContext().defaultGenerator(device));
    at::Generator g;
    {
      std::lock_guard<std::mutex> gl(def.mutex());
      g = def.clone();
    }
    g.set_current_seed(seed);
    *out = new at::Generator(std::move(g));
  });
}

TS_API void ts_generator_free(void* g) { delete static_cast<at::Generator*>(g); }

TS_API int ts_generator_set_seed(void* g, uint64_t seed) {
  return guarded([&] {
    auto& gen = *static_cast<at::Generator*>(g);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  });
}

TS_API uint64_t ts_generator_seed(void* g) { return static_cast<at::Generator*>(g)->current_seed(); }

TS_API int ts_generator_get_state(void* g, void** out) {
  return guarded([&] {
    auto& gen = *static_cast<at::Generator*>(g);
    std::lock_guard<std::mutex> lock(gen.mutex());
    *out = wrap(gen.get_state());
  });
}

TS_API int ts_generator_set_state(void* g, void* state) {
  return guarded([&] {
    auto& gen = *static_cast<at::Generator*>(g);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(T(state));
  });
}

TS_API void ts_manual_seed(uint64_t seed) { at::manual_seed(seed); }

TS_API void ts_set_num_threads(int32_t n) { at::set_num_threads(n); }

TS_API int32_t ts_get_num_threads() { return at::get_num_threads(); }

TS_API int32_t ts_cuda_device_count() {
  try {
    return static_cast<int32_t>(torch::cuda::device_count());
  } catch (...) {
    return 0;
  }
}

TS_API int ts_cuda_synchronize(int32_t device_index) {
  return guarded([&] { torch::cuda::synchronize(device_index); });
}
