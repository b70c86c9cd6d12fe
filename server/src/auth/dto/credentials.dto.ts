import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { USERNAME_PATTERN } from '../../users/username';

export class RegisterDto {
  @ApiProperty({ description: '2–32 characters of a-z 0-9 . _ -, starting with a letter or digit; case-insensitive.', example: 'alice' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 2–32 characters of a-z 0-9 . _ -, starting with a letter or digit' })
  username: string;

  @ApiProperty({ minLength: 8, maxLength: 1024 })
  @IsString()
  @Length(8, 1024, { message: 'password must be 8 to 1024 characters' })
  password: string;
}

/** Login accepts any name shape: a name that cannot exist is just wrong credentials. */
export class LoginDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Length(1, 64, { message: 'username must be 1 to 64 characters' })
  username: string;

  @ApiProperty()
  @IsString()
  @Length(1, 1024, { message: 'password must be 1 to 1024 characters' })
  password: string;
}
