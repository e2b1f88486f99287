namespace Torch;

/// <summary>The aten operators the typed API uses, by schema name. Each is looked up once, on first use.</summary>
internal static class Aten
{
    // arithmetic
    public static readonly Op AddT = new("aten::add", "Tensor"), AddS = new("aten::add", "Scalar");
    public static readonly Op SubT = new("aten::sub", "Tensor"), SubS = new("aten::sub", "Scalar"), RSubS = new("aten::rsub", "Scalar");
    public static readonly Op MulT = new("aten::mul", "Tensor"), MulS = new("aten::mul", "Scalar");
    public static readonly Op DivT = new("aten::div", "Tensor"), DivS = new("aten::div", "Scalar");
    public static readonly Op Neg = new("aten::neg"), Reciprocal = new("aten::reciprocal");
    public static readonly Op PowS = new("aten::pow", "Tensor_Scalar"), PowT = new("aten::pow", "Tensor_Tensor");
    public static readonly Op Exp = new("aten::exp"), Log = new("aten::log"), Sqrt = new("aten::sqrt"), Rsqrt = new("aten::rsqrt");
    public static readonly Op Abs = new("aten::abs"), Sin = new("aten::sin"), Cos = new("aten::cos"), Sign = new("aten::sign");
    public static readonly Op Floor = new("aten::floor"), Round = new("aten::round"), Erf = new("aten::erf"), Square = new("aten::square");
    public static readonly Op Clamp = new("aten::clamp"), Maximum = new("aten::maximum"), Minimum = new("aten::minimum");
    public static readonly Op LerpS = new("aten::lerp", "Scalar"), LerpT = new("aten::lerp", "Tensor");
    public static readonly Op Matmul = new("aten::matmul"), Bmm = new("aten::bmm"), Mm = new("aten::mm"), Baddbmm = new("aten::baddbmm");
    public static readonly Op Einsum = new("aten::einsum");
    public static readonly Op IsFinite = new("aten::isfinite"), IsNan = new("aten::isnan");

    // in place
    public static readonly Op AddT_ = new("aten::add_", "Tensor"), AddS_ = new("aten::add_", "Scalar");
    public static readonly Op SubT_ = new("aten::sub_", "Tensor");
    public static readonly Op MulT_ = new("aten::mul_", "Tensor"), MulS_ = new("aten::mul_", "Scalar");
    public static readonly Op DivT_ = new("aten::div_", "Tensor"), DivS_ = new("aten::div_", "Scalar");
    public static readonly Op Copy_ = new("aten::copy_"), FillS_ = new("aten::fill_", "Scalar"), Zero_ = new("aten::zero_");
    public static readonly Op Addcmul_ = new("aten::addcmul_"), Addcdiv_ = new("aten::addcdiv_");
    public static readonly Op LerpS_ = new("aten::lerp_", "Scalar"), Clamp_ = new("aten::clamp_");
    public static readonly Op Normal_ = new("aten::normal_"), Uniform_ = new("aten::uniform_");
    public static readonly Op IndexPut_ = new("aten::index_put_");

    // comparison and logic
    public static readonly Op EqT = new("aten::eq", "Tensor"), EqS = new("aten::eq", "Scalar");
    public static readonly Op NeT = new("aten::ne", "Tensor"), NeS = new("aten::ne", "Scalar");
    public static readonly Op GtT = new("aten::gt", "Tensor"), GtS = new("aten::gt", "Scalar");
    public static readonly Op LtT = new("aten::lt", "Tensor"), LtS = new("aten::lt", "Scalar");
    public static readonly Op GeT = new("aten::ge", "Tensor"), GeS = new("aten::ge", "Scalar");
    public static readonly Op LeT = new("aten::le", "Tensor"), LeS = new("aten::le", "Scalar");
    public static readonly Op LogicalNot = new("aten::logical_not"), All = new("aten::all"), Any = new("aten::any");
    public static readonly Op Where = new("aten::where", "self"), WhereScalarOther = new("aten::where", "ScalarOther");
    public static readonly Op MaskedFillS = new("aten::masked_fill", "Scalar");

    // reductions
    public static readonly Op Sum = new("aten::sum"), SumDim = new("aten::sum", "dim_IntList");
    public static readonly Op Mean = new("aten::mean"), MeanDim = new("aten::mean", "dim");
    public static readonly Op Max = new("aten::max"), MaxDim = new("aten::max", "dim");
    public static readonly Op Min = new("aten::min"), MinDim = new("aten::min", "dim");
    public static readonly Op Amax = new("aten::amax"), Amin = new("aten::amin"), Argmax = new("aten::argmax"), Argmin = new("aten::argmin");
    public static readonly Op VectorNorm = new("aten::linalg_vector_norm");
    public static readonly Op VarCorrection = new("aten::var", "correction"), StdCorrection = new("aten::std", "correction");
    public static readonly Op LogSumExp = new("aten::logsumexp"), Cumsum = new("aten::cumsum"), Cumprod = new("aten::cumprod");
    public static readonly Op Topk = new("aten::topk"), Sort = new("aten::sort");
    public static readonly Op Item = new("aten::item");

    // shape and views
    public static readonly Op View = new("aten::view"), Reshape = new("aten::reshape"), Permute = new("aten::permute");
    public static readonly Op Transpose = new("aten::transpose", "int"), Flatten = new("aten::flatten", "using_ints");
    public static readonly Op Unsqueeze = new("aten::unsqueeze"), Squeeze = new("aten::squeeze"), SqueezeDim = new("aten::squeeze", "dim");
    public static readonly Op Expand = new("aten::expand"), ExpandAs = new("aten::expand_as"), Repeat = new("aten::repeat");
    public static readonly Op Narrow = new("aten::narrow"), Slice = new("aten::slice", "Tensor"), Select = new("aten::select", "int");
    public static readonly Op IndexSelect = new("aten::index_select"), Gather = new("aten::gather"), Index = new("aten::index", "Tensor");
    public static readonly Op Chunk = new("aten::chunk"), Split = new("aten::split", "Tensor"), SplitSizes = new("aten::split_with_sizes");
    public static readonly Op Unbind = new("aten::unbind", "int");
    public static readonly Op Contiguous = new("aten::contiguous"), Clone = new("aten::clone"), Detach = new("aten::detach");
    public static readonly Op Flip = new("aten::flip"), Roll = new("aten::roll"), Tril = new("aten::tril"), Triu = new("aten::triu");
    public static readonly Op Cat = new("aten::cat"), Stack = new("aten::stack");
    public static readonly Op ToDType = new("aten::to", "dtype"), ToDevice = new("aten::to", "device");

    // creation
    public static readonly Op Empty = new("aten::empty", "memory_format"), Zeros = new("aten::zeros"), Ones = new("aten::ones");
    public static readonly Op Full = new("aten::full"), ScalarTensor = new("aten::scalar_tensor");
    public static readonly Op Arange = new("aten::arange", "start_step"), Linspace = new("aten::linspace");
    public static readonly Op RandnGen = new("aten::randn", "generator"), RandGen = new("aten::rand", "generator");
    public static readonly Op RandintGen = new("aten::randint", "low_generator"), RandpermGen = new("aten::randperm", "generator");
    public static readonly Op ZerosLike = new("aten::zeros_like"), OnesLike = new("aten::ones_like"), FullLike = new("aten::full_like");
    public static readonly Op EmptyLike = new("aten::empty_like");
    public static readonly Op Multinomial = new("aten::multinomial");

    // neural network
    public static readonly Op Linear = new("aten::linear"), Conv2d = new("aten::conv2d"), ConvTranspose2d = new("aten::conv_transpose2d", "input");
    public static readonly Op GroupNorm = new("aten::group_norm"), LayerNorm = new("aten::layer_norm");
    public static readonly Op Softmax = new("aten::softmax", "int"), LogSoftmax = new("aten::log_softmax", "int");
    public static readonly Op Silu = new("aten::silu"), Gelu = new("aten::gelu"), Relu = new("aten::relu"), Sigmoid = new("aten::sigmoid");
    public static readonly Op Tanh = new("aten::tanh"), LogSigmoid = new("aten::log_sigmoid"), Softplus = new("aten::softplus");
    public static readonly Op Dropout = new("aten::dropout"), Embedding = new("aten::embedding");
    public static readonly Op AvgPool2d = new("aten::avg_pool2d"), MaxPool2d = new("aten::max_pool2d"), Pad = new("aten::pad");
    public static readonly Op ConstantPadNd = new("aten::constant_pad_nd");
    public static readonly Op UpsampleNearest2d = new("aten::upsample_nearest2d"), UpsampleBilinear2d = new("aten::upsample_bilinear2d");
    public static readonly Op UpsampleBicubic2d = new("aten::upsample_bicubic2d");
    public static readonly Op UpsampleBilinear2dAA = new("aten::_upsample_bilinear2d_aa"), UpsampleBicubic2dAA = new("aten::_upsample_bicubic2d_aa");
    public static readonly Op MseLoss = new("aten::mse_loss"), CrossEntropyLoss = new("aten::cross_entropy_loss");
    public static readonly Op CosineSimilarity = new("aten::cosine_similarity"), OneHot = new("aten::one_hot");
    public static readonly Op ScaledDotProductAttention = new("aten::scaled_dot_product_attention");
}
