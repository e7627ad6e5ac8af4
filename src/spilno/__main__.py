from spilno.cli import main

main()
