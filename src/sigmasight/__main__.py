from sigmasight.cli.main import main

main()
