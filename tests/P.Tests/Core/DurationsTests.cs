using P.Core;

namespace P.Tests.Core;

public sealed class DurationsTests
{
    [Theory]
    [InlineData(0, "0:00:00")]
    [InlineData(59, "0:00:59")]
    [InlineData(134, "0:02:14")]
    [InlineData(3599, "0:59:59")]
    [InlineData(3600, "1:00:00")]
    [InlineData(90001, "25:00:01")]
    [InlineData(360000, "100:00:00")]
    public void Seconds_are_shown_as_hours_minutes_seconds(int seconds, string expected)
    {
        Assert.Equal(expected, Durations.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Fractions_of_a_second_are_dropped()
    {
        Assert.Equal("0:02:14", Durations.Format(TimeSpan.FromMilliseconds(134_999)));
    }

    [Fact]
    public void A_negative_span_from_clock_skew_shows_as_zero()
    {
        Assert.Equal("0:00:00", Durations.Format(TimeSpan.FromSeconds(-5)));
    }
}
