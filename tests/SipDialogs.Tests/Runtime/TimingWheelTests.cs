using Microsoft.Extensions.Time.Testing;
using SipDialogs.Runtime;

namespace SipDialogs.Tests.Runtime;

public class TimingWheelTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void TimerFiresOnItsTickAndNotBefore()
    {
        var (time, wheel, fired) = Create();
        wheel.Schedule(TimeSpan.FromMilliseconds(500), fired, 1);

        time.Advance(TimeSpan.FromMilliseconds(499));
        wheel.AdvanceToNow();
        Assert.Empty(fired.Fired);

        time.Advance(TimeSpan.FromMilliseconds(1));
        wheel.AdvanceToNow();
        Assert.Equal([(1, TimeSpan.FromMilliseconds(500))], fired.Fired);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void DelayIsRoundedUpToAWholeTickSoATimerNeverFiresEarly()
    {
        var (time, wheel, fired) = Create();
        time.Advance(TimeSpan.FromMilliseconds(3));
        wheel.Schedule(TimeSpan.FromMilliseconds(15), fired, 1);

        time.Advance(TimeSpan.FromMilliseconds(14));
        wheel.AdvanceToNow();
        Assert.Empty(fired.Fired);

        time.Advance(TimeSpan.FromMilliseconds(6));
        wheel.AdvanceToNow();
        Assert.Single(fired.Fired);
    }

    [Fact]
    public void CancelledTimerDoesNotFire()
    {
        var (time, wheel, fired) = Create();
        TimerHandle handle = wheel.Schedule(TimeSpan.FromMilliseconds(100), fired, 1);
        Assert.True(wheel.Cancel(handle));
        Assert.Equal(0, wheel.Count);

        time.Advance(TimeSpan.FromSeconds(1));
        wheel.AdvanceToNow();
        Assert.Empty(fired.Fired);
    }

    [Fact]
    public void CancellingAFiredTimerDoesNotCancelTheTimerThatReusedItsEntry()
    {
        var (time, wheel, fired) = Create();
        TimerHandle first = wheel.Schedule(TimeSpan.FromMilliseconds(10), fired, 1);
        time.Advance(TimeSpan.FromMilliseconds(10));
        wheel.AdvanceToNow();
        TimerHandle second = wheel.Schedule(TimeSpan.FromMilliseconds(10), fired, 2);

        Assert.False(wheel.Cancel(first));
        Assert.False(wheel.Cancel(default));
        Assert.Equal(1, wheel.Count);
        time.Advance(TimeSpan.FromMilliseconds(10));
        wheel.AdvanceToNow();
        Assert.Equal([1, 2], fired.Timers);
        Assert.False(wheel.Cancel(second));
    }

    [Fact]
    public void TimersFireInDueOrderWhenTimeJumps()
    {
        var (time, wheel, fired) = Create();
        wheel.Schedule(TimeSpan.FromMilliseconds(300), fired, 3);
        wheel.Schedule(TimeSpan.FromMilliseconds(100), fired, 1);
        wheel.Schedule(TimeSpan.FromMilliseconds(200), fired, 2);

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(3, wheel.AdvanceToNow());
        Assert.Equal([1, 2, 3], fired.Timers);
    }

    [Fact]
    public void ATimerScheduledWhileFiringCountsFromItsTickSoAChainKeepsItsSpacing()
    {
        var time = new FakeTimeProvider();
        var fired = new List<TimeSpan>();
        TimingWheel? wheel = null;
        var doubling = new DoublingTarget(fired, () => wheel!);
        wheel = new TimingWheel(time, Tick, 64, static ex => throw ex);
        doubling.Interval = TimeSpan.FromMilliseconds(500);
        wheel.Schedule(doubling.Interval, doubling, 0);

        time.Advance(TimeSpan.FromSeconds(32));
        wheel.AdvanceToNow();

        Assert.Equal(
            [500, 1500, 3500, 7500, 15500, 31500],
            fired.ConvertAll(t => (int)t.TotalMilliseconds));
    }

    [Fact]
    public void TimersBeyondOneTurnOfTheWheelWaitForTheirRound()
    {
        var time = new FakeTimeProvider();
        var fired = new RecordingTarget(time);
        var wheel = new TimingWheel(time, Tick, 16, static ex => throw ex); // One turn: 160 ms.
        wheel.Schedule(TimeSpan.FromMilliseconds(170), fired, 1);
        wheel.Schedule(TimeSpan.FromMilliseconds(10), fired, 2);
        wheel.Schedule(TimeSpan.FromSeconds(32), fired, 3);

        time.Advance(TimeSpan.FromMilliseconds(160));
        wheel.AdvanceToNow();
        Assert.Equal([2], fired.Timers);

        time.Advance(TimeSpan.FromMilliseconds(10));
        wheel.AdvanceToNow();
        Assert.Equal([2, 1], fired.Timers);

        time.Advance(TimeSpan.FromMilliseconds(31_829));
        wheel.AdvanceToNow();
        Assert.Equal([2, 1], fired.Timers);
        time.Advance(TimeSpan.FromMilliseconds(1));
        wheel.AdvanceToNow();
        Assert.Equal([2, 1, 3], fired.Timers);
    }

    [Fact]
    public void CountFollowsScheduleFireAndCancel()
    {
        var (time, wheel, fired) = Create();
        TimerHandle a = wheel.Schedule(TimeSpan.FromMilliseconds(10), fired, 1);
        wheel.Schedule(TimeSpan.FromMilliseconds(20), fired, 2);
        wheel.Schedule(TimeSpan.FromMilliseconds(30), fired, 3);
        Assert.Equal(3, wheel.Count);

        wheel.Cancel(a);
        Assert.Equal(2, wheel.Count);

        time.Advance(TimeSpan.FromMilliseconds(20));
        wheel.AdvanceToNow();
        Assert.Equal(1, wheel.Count);

        time.Advance(TimeSpan.FromMilliseconds(10));
        wheel.AdvanceToNow();
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void ATimerCancelledByAnotherFiringInTheSameTickDoesNotFire()
    {
        var time = new FakeTimeProvider();
        var fired = new RecordingTarget(time);
        var wheel = new TimingWheel(time, Tick, 64, static ex => throw ex);
        TimerHandle victim = wheel.Schedule(TimeSpan.FromMilliseconds(50), fired, 2);
        var canceller = new ActionTarget(() => wheel.Cancel(victim));
        wheel.Schedule(TimeSpan.FromMilliseconds(50), canceller, 1);

        time.Advance(TimeSpan.FromMilliseconds(50));
        wheel.AdvanceToNow();

        Assert.True(canceller.Ran);
        Assert.Empty(fired.Fired);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void AThrowingTargetIsReportedAndTheOtherTimersStillFire()
    {
        var time = new FakeTimeProvider();
        var faults = new List<Exception>();
        var fired = new RecordingTarget(time);
        var wheel = new TimingWheel(time, Tick, 64, faults.Add);
        wheel.Schedule(TimeSpan.FromMilliseconds(10), new ActionTarget(() => throw new InvalidOperationException("boom")), 1);
        wheel.Schedule(TimeSpan.FromMilliseconds(10), fired, 2);
        wheel.Schedule(TimeSpan.FromMilliseconds(20), fired, 3);

        time.Advance(TimeSpan.FromMilliseconds(20));
        wheel.AdvanceToNow();

        Assert.Single(faults);
        Assert.Equal([2, 3], fired.Timers);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void TheDriverTimerRunsOnlyWhileTheWheelHasTimers()
    {
        var time = new FakeTimeProvider();
        int ticks = 0;
        var fired = new RecordingTarget(time);
        var wheel = new TimingWheel(time, Tick, 64, static ex => throw ex, _ => Interlocked.Increment(ref ticks));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, ticks);
        Assert.False(wheel.IsDriverRunning);

        wheel.Schedule(TimeSpan.FromMilliseconds(30), fired, 1);
        Assert.True(wheel.IsDriverRunning);
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal(3, ticks);
        wheel.AdvanceToNow();
        Assert.False(wheel.IsDriverRunning);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, ticks);
        wheel.Dispose();
    }

    [Fact]
    public void TheDriverTicksOnTickBoundariesAfterAnIdleSpell()
    {
        var time = new FakeTimeProvider();
        var ticksAt = new List<TimeSpan>();
        DateTimeOffset start = time.GetUtcNow();
        var fired = new RecordingTarget(time);
        var wheel = new TimingWheel(time, Tick, 64, static ex => throw ex, _ => ticksAt.Add(time.GetUtcNow() - start));

        time.Advance(TimeSpan.FromMilliseconds(123));
        wheel.Schedule(TimeSpan.FromMilliseconds(17), fired, 1);
        time.Advance(TimeSpan.FromMilliseconds(6));
        Assert.Empty(ticksAt);
        time.Advance(TimeSpan.FromMilliseconds(1));
        wheel.AdvanceToNow();
        Assert.Empty(fired.Fired);
        time.Advance(TimeSpan.FromMilliseconds(10));
        wheel.AdvanceToNow();

        Assert.Equal([TimeSpan.FromMilliseconds(130), TimeSpan.FromMilliseconds(140)], ticksAt);
        Assert.Equal([(1, TimeSpan.FromMilliseconds(140))], fired.Fired);
    }

    private static (FakeTimeProvider Time, TimingWheel Wheel, RecordingTarget Fired) Create()
    {
        var time = new FakeTimeProvider();
        return (time, new TimingWheel(time, Tick, 64, static ex => throw ex), new RecordingTarget(time));
    }

    private sealed class RecordingTarget(FakeTimeProvider time) : ITimerTarget
    {
        private readonly DateTimeOffset _start = time.GetUtcNow();

        public List<(int Timer, TimeSpan At)> Fired { get; } = [];

        public List<int> Timers => Fired.ConvertAll(f => f.Timer);

        public void OnTimer(int timer) => Fired.Add((timer, time.GetUtcNow() - _start));
    }

    private sealed class ActionTarget(Action action) : ITimerTarget
    {
        public bool Ran { get; private set; }

        public void OnTimer(int timer)
        {
            Ran = true;
            action();
        }
    }

    private sealed class DoublingTarget(List<TimeSpan> fired, Func<TimingWheel> wheel) : ITimerTarget
    {
        public TimeSpan Interval { get; set; }

        public void OnTimer(int timer)
        {
            fired.Add(wheel().Now);
            Interval += Interval;
            wheel().Schedule(Interval, this, 0);
        }
    }
}
