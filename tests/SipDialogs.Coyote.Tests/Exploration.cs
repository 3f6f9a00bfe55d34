using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Coyote;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.SystematicTesting;

namespace SipDialogs.Coyote.Tests;

/// <summary>
/// Runs a scenario under Coyote's systematic testing engine: each iteration runs it once more from scratch while
/// Coyote chooses, at every scheduling point (task start, await, lock, TaskCompletionSource, channel hand-off), which
/// of the runnable operations goes next. An exception escaping the scenario, or a deadlock, is a bug.
/// </summary>
/// <remarks>
/// <para>
/// The seed is fixed so that CI explores the same schedules on every run and a red run stays red; set
/// <c>SIPDIALOGS_COYOTE_SEED</c> to explore others and <c>SIPDIALOGS_COYOTE_ITERATIONS</c> to explore longer. A bug
/// writes Coyote's reproducible trace to a file named in the failure, which <c>SIPDIALOGS_COYOTE_TRACE</c> replays.
/// </para>
/// <para>
/// Partially controlled concurrency is refused: a scenario that reaches a thread, timer or task Coyote does not
/// control fails instead of exploring schedules it cannot reproduce. The exception is a wait that
/// <see cref="WhenCompletedOutsideCoyoteAsync"/> declares.
/// </para>
/// </remarks>
internal static class Exploration
{
    /// <summary>The seed CI explores with.</summary>
    public const uint DefaultSeed = 3261;

    /// <summary>Explores <paramref name="scenario"/> and fails the test with the seed and a trace when a bug is found.</summary>
    /// <param name="scenario">A fresh run of the system under test and its checks; it throws when a check fails.</param>
    /// <param name="iterations">How many schedules to explore.</param>
    /// <param name="test">The test's name, which names the trace file.</param>
    public static void Run(Func<Task> scenario, uint iterations, [CallerMemberName] string test = "")
    {
        // The engine holds a thread per operation; the few continuations the runtime still queues to its thread pool
        // (see WhenCompletedOutsideCoyoteAsync) must find a pool thread at once, not wait for the pool to grow.
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 8), completionPorts);
        uint seed = ReadNumber("SIPDIALOGS_COYOTE_SEED") ?? DefaultSeed;
        Configuration configuration = Configuration.Create()
            .WithTestingIterations(ReadNumber("SIPDIALOGS_COYOTE_ITERATIONS") ?? iterations)
            .WithRandomGeneratorSeed(seed)
            .WithPartiallyControlledConcurrencyAllowed(false)
            .WithTelemetryEnabled(false);
        if (Environment.GetEnvironmentVariable("SIPDIALOGS_COYOTE_VERBOSE") == "1")
        {
            configuration = configuration.WithVerbosityEnabled(VerbosityLevel.Debug).WithConsoleLoggingEnabled();
        }

        string? replay = Environment.GetEnvironmentVariable("SIPDIALOGS_COYOTE_TRACE");
        bool replaying = !string.IsNullOrEmpty(replay) && Path.GetFileName(replay).StartsWith(test + ".", StringComparison.Ordinal);
        if (replaying)
        {
            configuration = configuration.WithReproducibleTrace(File.ReadAllText(replay!));
        }

        // Counts the iterations that ran the scenario to its end: one cut short (by the engine's bound on scheduling
        // steps) would otherwise pass without having checked anything.
        int finished = 0;
        using TestingEngine engine = TestingEngine.Create(configuration, async () =>
        {
            await scenario();
            Interlocked.Increment(ref finished);
        });
        engine.Run();
        TestReport report = engine.TestReport;
        if (Environment.GetEnvironmentVariable("SIPDIALOGS_COYOTE_VERBOSE") is "1" or "report")
        {
            Console.WriteLine(report.GetText(configuration, "..."));
        }

        Assert.True(report.InternalErrors.Count == 0, "Coyote failed: " + string.Join(Environment.NewLine, report.InternalErrors));
        if (report.NumOfFoundBugs == 0)
        {
            Assert.Equal(replaying ? 1 : configuration.TestingIterations, (uint)finished);
            return;
        }

        string folder = Path.Combine(AppContext.BaseDirectory, "coyote-traces");
        Directory.CreateDirectory(folder);
        string trace = Path.Combine(folder, test + ".seed" + seed.ToString(CultureInfo.InvariantCulture) + ".trace.json");
        File.WriteAllText(trace, engine.ReproducibleTrace);
        Assert.Fail(
            $"Coyote found a bug in {test} with seed {seed}: {string.Join(Environment.NewLine, report.BugReports)}{Environment.NewLine}" +
            $"Replay it: SIPDIALOGS_COYOTE_TRACE={trace} dotnet test tests/SipDialogs.Coyote.Tests -c Release --no-build --filter FullyQualifiedName~{test}" +
            $"{Environment.NewLine}or explore again: SIPDIALOGS_COYOTE_SEED={seed} ... --filter FullyQualifiedName~{test}");
    }

    /// <summary>
    /// Waits, inside a scenario, for a task that the runtime completes from a thread Coyote does not schedule: a socket
    /// operation, or a <see cref="Task.WhenAll(Task[])"/> over tasks of <see cref="TaskCompletionSource"/>s that run
    /// continuations asynchronously (completed from a thread-pool work item). Awaited directly, Coyote would see no
    /// operation left to run before that thread has posted its continuation and report a deadlock; instead the caller
    /// steps aside with <see cref="Task.Delay(int)"/>, which under Coyote is a controlled timeout (no time passes: the
    /// operation is set aside for a few scheduling steps) until the task has completed. Await everything Coyote does
    /// control first, so that a real hang there is still reported as a deadlock; a hang here ends the iteration at the
    /// engine's bound on scheduling steps, which <see cref="Run"/> reports as an iteration that did not finish.
    /// </summary>
    /// <param name="task">The task.</param>
    /// <returns>Completes as <paramref name="task"/> does.</returns>
    public static async Task WhenCompletedOutsideCoyoteAsync(Task task)
    {
        while (!task.IsCompleted)
        {
            await Task.Delay(1);
        }

        await task;
    }

    private static uint? ReadNumber(string variable) =>
        uint.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out uint value) ? value : null;
}
