using Torch;

namespace Align.Pipelines;

/// <summary>
/// A bounded least-recently-used cache of encoded prompts for one model. Entries are owned by the cache; callers get
/// their own copies, so an eviction never frees a tensor a request is still using. Thread-safe.
/// </summary>
public sealed class PromptCache(PromptEncoder encoder, int capacity) : IDisposable
{
    private readonly record struct Key(string Prompt, string? Negative, bool Guidance, int? ClipSkip, string TextEncoderState);

    private readonly Dictionary<Key, LinkedListNode<(Key Key, PromptEmbeddings Value)>> _map = new();
    private readonly LinkedList<(Key Key, PromptEmbeddings Value)> _lru = new();
    private readonly object _lock = new();

    public int Count
    {
        get
        {
            lock (_lock) return _map.Count;
        }
    }

    public long Hits { get; private set; }
    public long Misses { get; private set; }

    /// <summary>
    /// The embeddings of the prompt (with its "(word:weight)" weights applied, see <see cref="Text.PromptWeights"/>), from the
    /// cache or encoded now; the caller owns (and disposes) the result.
    /// </summary>
    /// <param name="textEncoderState">what adapters do to the text encoders now (<see cref="Adapters.ModelAdapters.TextEncoderState"/>):
    /// embeddings are cached per state, so a text-encoder adapter never gets the base model's embeddings or another's</param>
    public PromptEmbeddings Get(string prompt, string? negative, bool guidance, int? clipSkip = null, string textEncoderState = "")
    {
        var key = new Key(prompt, negative, guidance, clipSkip, textEncoderState);
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                Hits++;
                return Copy(node.Value.Value);
            }
        }
        PromptEmbeddings fresh = Detached(encoder.EncodeWeighted(prompt, negative, guidance, clipSkip));
        lock (_lock)
        {
            Misses++;
            if (capacity <= 0 || _map.ContainsKey(key)) return fresh;
            _map[key] = _lru.AddFirst((key, fresh));
            while (_map.Count > capacity)
            {
                var last = _lru.Last!;
                _lru.RemoveLast();
                _map.Remove(last.Value.Key);
                last.Value.Value.Dispose();
            }
            return Copy(fresh);
        }
    }

    private static PromptEmbeddings Detached(PromptEmbeddings e)
    {
        foreach (Tensor? t in new[] { e.Conditional, e.Unconditional, e.Pooled, e.NegativePooled }) t?.DetachFromDisposeScope();
        return e;
    }

    private static PromptEmbeddings Copy(PromptEmbeddings e) =>
        new(e.Conditional.Clone(), e.Unconditional?.Clone(), e.Pooled?.Clone(), e.NegativePooled?.Clone());

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (_, value) in _lru) value.Dispose();
            _lru.Clear();
            _map.Clear();
        }
    }
}
