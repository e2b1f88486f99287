using System.Text.Json.Serialization;

namespace Align.Schedulers;

/// <summary>What the denoising model predicts (diffusers' <c>prediction_type</c>).</summary>
[JsonConverter(typeof(ConfigEnumConverter<PredictionType>))]
public enum PredictionType
{
    /// <summary>the added noise ε</summary>
    [JsonStringEnumMemberName("epsilon")] Epsilon,
    /// <summary>the velocity v = √ᾱ·ε − √(1−ᾱ)·x₀</summary>
    [JsonStringEnumMemberName("v_prediction")] VPrediction,
    /// <summary>the clean sample x₀</summary>
    [JsonStringEnumMemberName("sample")] Sample,
}
