using WeCompany.Cli;

return await CliProgram.RunAsync(args, Console.Out, Console.Error);
