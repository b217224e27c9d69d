using P.Cli;

return await App.RunAsync(args, PContext.FromProcess());
