from profile_qa.cli import main

main()
