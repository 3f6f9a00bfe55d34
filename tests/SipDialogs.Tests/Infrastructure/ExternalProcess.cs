using System.Diagnostics;
using System.Text;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// A child process a test drives (SIPp, the server, Kamailio): output captured line by line, lines awaitable, and
/// the process killed when the test is done with it.
/// </summary>
internal sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExternalProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public Task<int> Exited => _exited.Task;

    public static ExternalProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var external = new ExternalProcess(process);
        process.OutputDataReceived += (_, e) => external.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => external.OnLine(e.Data);
        process.Exited += (_, _) => external.OnExited();
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return external;
    }

    /// <summary>Completes with the first output line (past or future) that matches.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            foreach (string line in _output.ToString().Split('\n'))
            {
                if (match(line))
                {
                    done.SetResult(line);
                    return done.Task;
                }
            }

            _waiters.Add((match, done));
        }

        return done.Task;
    }

    /// <summary>Sends a POSIX signal (e.g. "INT", "TERM") to the process.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the process with TERM (so a server can stop its children and free what it holds), kills it and its
    /// children by PID if it lingers past <paramref name="grace"/>, then deletes its run folder if it has one.
    /// </summary>
    public async Task TerminateAsync(TimeSpan grace, string? runDirectory = null)
    {
        if (!Exited.IsCompleted)
        {
            await SignalAsync("TERM").ConfigureAwait(false);
            try
            {
                await Exited.WaitAsync(grace).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Killed with its children below.
            }
        }

        await DisposeAsync().ConfigureAwait(false);
        if (runDirectory is not null)
        {
            try
            {
                Directory.Delete(runDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best-effort teardown of a temporary folder.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile: best-effort teardown.
            }

            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>>? matched = null;
        lock (_output)
        {
            _output.Append(line).Append('\n');
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    (matched ??= []).Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (matched is not null)
        {
            foreach (TaskCompletionSource<string> done in matched)
            {
                done.TrySetResult(line);
            }
        }
    }

    private void OnExited()
    {
        // Exit is raised before the last output lines may have been read; WaitForExit flushes them.
        _process.WaitForExit();
        _exited.TrySetResult(_process.ExitCode);
        lock (_output)
        {
            foreach ((_, TaskCompletionSource<string> done) in _waiters)
            {
                done.TrySetException(new InvalidOperationException("The process exited before the line appeared. Output:\n" + _output));
            }

            _waiters.Clear();
        }
    }
}
