using System.Runtime.ExceptionServices;

namespace Align.Tests.Adapters;

/// <summary>
/// Work on a thread of its own (never inlined into the test thread, which may hold an activation), joined with a timeout;
/// <see cref="Result"/> rethrows what the work threw.
/// </summary>
public sealed class Worker<T>
{
    private readonly Thread _thread;
    private T? _result;
    private ExceptionDispatchInfo? _error;

    public Worker(Func<T> work)
    {
        _thread = new Thread(() =>
        {
            try
            {
                _result = work();
            }
            catch (Exception e)
            {
                _error = ExceptionDispatchInfo.Capture(e);
            }
        });
        _thread.Start();
    }

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    public T Result
    {
        get
        {
            if (!_thread.Join(TimeSpan.FromMinutes(5))) throw new TimeoutException("the worker did not finish");
            _error?.Throw();
            return _result!;
        }
    }
}
