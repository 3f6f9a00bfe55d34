namespace SipDialogs.Runtime;

/// <summary>A <see cref="ShardCall"/> that computes a <typeparamref name="TResult"/> from a <typeparamref name="TState"/>.</summary>
/// <typeparam name="TState">The state passed to the function, so that callers need no closure.</typeparam>
/// <typeparam name="TResult">The result.</typeparam>
internal sealed class ShardCall<TState, TResult> : ShardCall
{
    private readonly Func<TState, TResult> _function;
    private readonly TState _state;
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ShardCall(Func<TState, TResult> function, TState state)
    {
        _function = function;
        _state = state;
    }

    /// <summary>Completes when the work has run on the shard.</summary>
    public Task<TResult> Task => _completion.Task;

    public override void Execute()
    {
        TResult result;
        try
        {
            result = _function(_state);
        }
        catch (Exception ex)
        {
            // The caller's own exception goes back to the caller through its task.
            _completion.TrySetException(ex);
            return;
        }

        _completion.TrySetResult(result);
    }
}
