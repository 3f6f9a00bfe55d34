using System.Runtime.CompilerServices;

namespace SipDialogs.Internal;

/// <summary>Consumes a send that may already have finished, without blocking and without a task per send.</summary>
internal static class CompletedSend
{
    /// <summary>
    /// Null when <paramref name="sending"/> finished successfully: its result has then been read, which returns a
    /// pooled source to its pool (a finished ValueTask must be consumed once). Otherwise the send as a task, for the
    /// caller to observe asynchronously (a task only on that slow path).
    /// </summary>
    public static Task? Pending(ValueTask sending)
    {
        if (!sending.IsCompletedSuccessfully)
        {
            return sending.AsTask();
        }

        // Already complete: reading the result does not wait.
        ValueTaskAwaiter awaiter = sending.GetAwaiter();
        awaiter.GetResult();
        return null;
    }
}
