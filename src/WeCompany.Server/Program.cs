using WeCompany.Server.Hosting;

return await ServerProgram.RunAsync(args);
