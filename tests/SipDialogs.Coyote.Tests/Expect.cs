namespace SipDialogs.Coyote.Tests;

/// <summary>
/// Assertions that await inside this (rewritten) assembly: xunit's own <c>Assert.ThrowsAsync</c> awaits in xunit's
/// assembly, which Coyote does not control, so its task would escape the schedule.
/// </summary>
internal static class Expect
{
    /// <summary>Awaits <paramref name="call"/> and returns the exception it threw, which must be a <typeparamref name="T"/>.</summary>
    public static async Task<T> ThrowsAsync<T>(Func<Task> call)
        where T : Exception
    {
        try
        {
            await call();
        }
        catch (T expected)
        {
            return expected;
        }

        throw new Xunit.Sdk.XunitException($"Expected {typeof(T).Name}; the call completed without one.");
    }
}
